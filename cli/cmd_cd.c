/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_cd.c - `mkimage cd -o DISC.cue [OPTIONS] TRACK...`: a raw CD image
 * (fsi_rawcd, IMAPI's IRawCDImageCreator) written as a cue sheet and its
 * BIN, and on request a cdrdao TOC file and IMAPI's raw stream.
 *
 * TRACK is audio:FILE[,OPTION...] or data:IMAGE.  FILE may hold commas:
 * an option starts only at a comma followed by an option's name.
 */
#include "config.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void cd_usage(FILE *f)
{
    fputs("Usage: mkimage cd -o DISC.cue [OPTIONS] TRACK...\n"
          "Make a Disc-at-Once CD image: audio tracks, or one data track then audio\n"
          "(mixed mode).  Writes DISC.cue and DISC.bin beside it, all outputs or none.\n"
          "Options and tracks take effect in the order given.\n\n"
          "TRACK is one of\n"
          "  audio:FILE[,isrc=CC-XXX-YY-NNNNN][,index=TIME]...[,title=TEXT][,performer=TEXT]\n"
          "             [,pre-emphasis][,copy=permitted|prohibited|scms]\n"
          "      FILE: a WAV file (PCM, 16-bit, 44.1 kHz, stereo) or raw little-endian PCM;\n"
          "      index= (repeatable) adds an index at TIME from the track's start, in\n"
          "      seconds (12 or 12.5) or MM:SS:FF (75 frames a second); noindex=TIME\n"
          "      removes one again (IMAPI's ClearTrackIndex; index 1 at 0 stays)\n"
          "  data:IMAGE   a mode 1 track from a file of 2048-byte sectors (an ISO image);\n"
          "               only as the first track\n\n"
          "Options:\n"
          "  -o, --output DISC.cue   the cue sheet (the BIN is DISC.bin)\n"
          "      --toc DISC.toc      also a cdrdao TOC file (with DISC.cdr: big-endian audio)\n"
          "      --raw DISC.raw      also IMAPI's raw stream (2448-byte sectors with P-W\n"
          "                          subcode, from MSF 95:00:00 through the lead-out)\n"
          "      --subcode pq|cooked|raw   the raw stream's subcode type (default cooked)\n"
          "      --mcn DIGITS        media catalog number (13 digits, EAN-13 check digit)\n"
          "      --title TEXT, --performer TEXT   the album's CD-Text\n"
          "      --gapless           no silence between audio tracks (default: 2 seconds)\n"
          "      --media 74|80|90|99 the CD-R's length in minutes (default 80)\n"
          "      --first-track N     number of the first track (1-99; audio discs only)\n"
          "      --pregap FILE       hidden track one audio before track 1 (at least 2 s)\n"
          "  -h, --help              show this help\n",
          f);
}

static int report(fsi_rawcd *cd, fsi_hresult hr)
{
    const char *msg = fsi_rawcd_last_error(cd);
    return cli_report(hr, fsi_rawcd_last_code(cd) == hr && *msg ? msg : NULL);
}

/* TIME: seconds ("12", "12.5") or MM:SS:FF, as sectors; -1 if bad. */
static long parse_time(const char *s)
{
    unsigned m, sec, f;
    char tail;
    if (sscanf(s, "%u:%u:%u%c", &m, &sec, &f, &tail) == 3) {
        if (sec > 59 || f > 74 || m > 99)
            return -1;
        return (long)(m * 60 + sec) * 75 + f;
    }
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (end == s || *end || errno || d < 0 || d > 6000)
        return -1;
    return (long)(d * 75 + 0.5);
}

static const char *const keys[] = { "isrc=", "index=", "noindex=", "title=", "performer=",
                                    "pre-emphasis", "copy=" };

/* The next ",KEY" boundary in s (an option's name after a comma), or the end. */
static const char *next_option(const char *s)
{
    for (const char *p = strchr(s, ','); p; p = strchr(p + 1, ',')) {
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            size_t n = strlen(keys[k]);
            if (!strncmp(p + 1, keys[k], n) &&
                (keys[k][n - 1] == '=' || p[1 + n] == ',' || p[1 + n] == '\0'))
                return p;
        }
    }
    return s + strlen(s);
}

static char *dup_span(const char *a, const char *b)
{
    char *s = malloc((size_t)(b - a) + 1);
    if (!s) {
        fputs("mkimage: out of memory\n", stderr);
        exit(EXIT_FAIL);
    }
    memcpy(s, a, (size_t)(b - a));
    s[b - a] = '\0';
    return s;
}

/* Add one TRACK; returns an exit status (EXIT_OK when added). */
static int add_track(fsi_rawcd *cd, const char *spec)
{
    fsi_cd_sector_type type;
    const char *rest;
    if (!strncmp(spec, "audio:", 6)) {
        type = FSI_CD_SECTOR_AUDIO;
        rest = spec + 6;
    } else if (!strncmp(spec, "data:", 5)) {
        type = FSI_CD_SECTOR_MODE1;
        rest = spec + 5;
    } else {
        return cli_usage_error("track '%s': write audio:FILE or data:IMAGE", spec);
    }
    const char *end = type == FSI_CD_SECTOR_AUDIO ? next_option(rest) : rest + strlen(rest);
    if (end == rest)
        return cli_usage_error("track '%s' names no file", spec);

    /* Check the options' syntax before the file is read. */
    long idx[100];         /* >= 0: index= ; < 0: noindex= of -(t+1) */
    int nidx = 0;
    int copy = -1;
    bool pre = false;
    char *title = NULL, *performer = NULL, *isrc = NULL;
    int rc = EXIT_OK;
    for (const char *p = end; *p && rc == EXIT_OK;) {
        const char *q = next_option(p + 1);
        const char *opt = p + 1;
        char *val = NULL;
        if (!strncmp(opt, "isrc=", 5)) {
            free(isrc);
            isrc = dup_span(opt + 5, q);
        } else if (!strncmp(opt, "title=", 6)) {
            free(title);
            title = dup_span(opt + 6, q);
        } else if (!strncmp(opt, "performer=", 10)) {
            free(performer);
            performer = dup_span(opt + 10, q);
        } else if (!strncmp(opt, "pre-emphasis", 12)) {
            pre = true;
        } else if (!strncmp(opt, "index=", 6) || !strncmp(opt, "noindex=", 8)) {
            bool clear = opt[0] == 'n';
            val = dup_span(opt + (clear ? 8 : 6), q);
            long t = parse_time(val);
            if (t < 0)
                rc = cli_usage_error("track '%s': %s is neither seconds nor MM:SS:FF", spec,
                                     val);
            else if (nidx >= 100)
                rc = cli_usage_error("track '%s': too many index options", spec);
            else
                idx[nidx++] = clear ? -(t + 1) : t;
        } else if (!strncmp(opt, "copy=", 5)) {
            val = dup_span(opt + 5, q);
            if (!strcmp(val, "permitted"))
                copy = FSI_CD_COPY_PERMITTED;
            else if (!strcmp(val, "prohibited"))
                copy = FSI_CD_COPY_PROHIBITED;
            else if (!strcmp(val, "scms"))
                copy = FSI_CD_COPY_SCMS;
            else
                rc = cli_usage_error("track '%s': copy=%s: use permitted, prohibited or scms",
                                     spec, val);
        }
        free(val);
        p = q;
    }

    char *file = dup_span(rest, end);
    int ti = 0;
    fsi_hresult hr = FSI_S_OK;
    if (rc == EXIT_OK) {
        hr = fsi_rawcd_add_track_file(cd, type, file, &ti);
        if (FSI_FAILED(hr))
            rc = report(cd, hr);
    }
    if (rc == EXIT_OK && isrc && FSI_FAILED(hr = fsi_rawcd_track_set_isrc(cd, ti, isrc)))
        rc = report(cd, hr);
    if (rc == EXIT_OK && copy >= 0 &&
        FSI_FAILED(hr = fsi_rawcd_track_set_copy(cd, ti, (fsi_cd_copy)copy)))
        rc = report(cd, hr);
    if (rc == EXIT_OK && pre && FSI_FAILED(hr = fsi_rawcd_track_set_pre_emphasis(cd, ti, true)))
        rc = report(cd, hr);
    for (int i = 0; rc == EXIT_OK && i < nidx; i++) {
        hr = idx[i] >= 0 ? fsi_rawcd_track_add_index(cd, ti, (int32_t)idx[i])
                         : fsi_rawcd_track_clear_index(cd, ti, (int32_t)(-idx[i] - 1));
        if (hr != FSI_S_OK)
            rc = report(cd, hr);   /* a warning (already there) returns EXIT_OK */
    }
    if (rc == EXIT_OK && (title || performer) &&
        FSI_FAILED(hr = fsi_rawcd_set_cdtext(cd, ti, title, performer)))
        rc = report(cd, hr);
    free(file);
    free(isrc);
    free(title);
    free(performer);
    return rc;
}

int cmd_cd(int argc, char **argv)
{
    enum { O_TOC = 256, O_RAW, O_MCN, O_TITLE, O_PERFORMER, O_GAPLESS, O_MEDIA, O_FIRST,
           O_PREGAP, O_SUBCODE };
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'o' },
        { "toc", required_argument, NULL, O_TOC },
        { "raw", required_argument, NULL, O_RAW },
        { "subcode", required_argument, NULL, O_SUBCODE },
        { "mcn", required_argument, NULL, O_MCN },
        { "title", required_argument, NULL, O_TITLE },
        { "performer", required_argument, NULL, O_PERFORMER },
        { "gapless", no_argument, NULL, O_GAPLESS },
        { "media", required_argument, NULL, O_MEDIA },
        { "first-track", required_argument, NULL, O_FIRST },
        { "pregap", required_argument, NULL, O_PREGAP },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *cue = NULL, *toc = NULL, *raw = NULL;
    fsi_rawcd *cd;
    fsi_hresult hr = fsi_rawcd_new(&cd);
    if (FSI_FAILED(hr))
        return cli_report(hr, NULL);
    /* Options and tracks take effect in the order given ("-": getopt
     * returns the tracks as they come), as IMAPI's calls would: a
     * --pregap or --first-track after a track is refused like theirs. */
    int rc = EXIT_OK, c;
#define TRY(call)                                                                            \
    do {                                                                                     \
        if (FSI_FAILED(hr = (call)))                                                         \
            rc = report(cd, hr);                                                             \
    } while (0)
    while (rc == EXIT_OK && (c = getopt_long(argc, argv, "-o:h", longopts, NULL)) != -1) {
        char *end;
        long v;
        switch (c) {
        case 1: rc = add_track(cd, optarg); break;
        case 'o': cue = optarg; break;
        case O_TOC: toc = optarg; break;
        case O_RAW: raw = optarg; break;
        case O_MCN: TRY(fsi_rawcd_set_mcn(cd, optarg)); break;
        case O_TITLE: TRY(fsi_rawcd_set_cdtext(cd, 0, optarg, NULL)); break;
        case O_PERFORMER: TRY(fsi_rawcd_set_cdtext(cd, 0, NULL, optarg)); break;
        case O_GAPLESS: TRY(fsi_rawcd_set_gapless(cd, true)); break;
        case O_PREGAP: TRY(fsi_rawcd_add_special_pregap_file(cd, optarg)); break;
        case O_SUBCODE:
            if (!strcmp(optarg, "pq"))
                TRY(fsi_rawcd_set_image_type(cd, FSI_RAWCD_SUBCODE_PQ_ONLY));
            else if (!strcmp(optarg, "cooked"))
                TRY(fsi_rawcd_set_image_type(cd, FSI_RAWCD_SUBCODE_IS_COOKED));
            else if (!strcmp(optarg, "raw"))
                TRY(fsi_rawcd_set_image_type(cd, FSI_RAWCD_SUBCODE_IS_RAW));
            else
                rc = cli_usage_error("--subcode %s: use pq, cooked or raw", optarg);
            break;
        case O_MEDIA:
            v = strtol(optarg, &end, 10);
            if (*end || (v != 74 && v != 80 && v != 90 && v != 99))
                rc = cli_usage_error("--media %s: use 74, 80, 90 or 99 (minutes)", optarg);
            else
                TRY(fsi_rawcd_set_media_minutes(cd, (int)v));
            break;
        case O_FIRST:
            v = strtol(optarg, &end, 10);
            if (*end || !*optarg || v < 1 || v > 99)
                rc = cli_usage_error("--first-track %s: a number from 1 to 99", optarg);
            else
                TRY(fsi_rawcd_set_first_track_number(cd, (int)v));
            break;
        case 'h': cd_usage(stdout); fsi_rawcd_free(cd); return EXIT_OK;
        default: rc = cli_usage_error("cd: unknown option"); break;
        }
    }
    if (rc == EXIT_OK && !cue && !toc && !raw)
        rc = cli_usage_error("cd: name the cue sheet with -o DISC.cue");
    if (rc == EXIT_OK && ((cue && !strcmp(cue, "-")) || (toc && !strcmp(toc, "-")) ||
                          (raw && !strcmp(raw, "-"))))
        rc = cli_usage_error("cd: the outputs are files (a cue sheet names its BIN): "
                             "'-' cannot be one");
    /* No track at all is the library's E_IMAPI_RAW_IMAGE_NO_TRACKS. */
    if (rc == EXIT_OK)
        TRY(fsi_rawcd_create_result(cd));
    if (rc == EXIT_OK)
        TRY(fsi_rawcd_write_files(cd, cue, toc, raw));
#undef TRY
    if (rc == EXIT_OK) {
        int32_t leadout = 0;
        fsi_rawcd_start_of_leadout(cd, &leadout);
        int32_t total = leadout + 150;
        printf("%s: %d track%s, lead-out at MSF %02d:%02d:%02d (LBA %ld)\n",
               cue ? cue : toc ? toc : raw, fsi_rawcd_track_count(cd),
               fsi_rawcd_track_count(cd) == 1 ? "" : "s", (int)(total / 4500),
               (int)(total / 75 % 60), (int)(total % 75), (long)leadout);
    }
    fsi_rawcd_free(cd);
    return rc;
}
