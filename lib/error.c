/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * error.c - the IMAPI code table: names, values, messages, inserts.
 *
 * Every code of the Windows SDK's imapi2fserror.h and imapi2error.h, with
 * the same symbolic name and HRESULT value, plus the six general Windows
 * codes libfsi also returns.  The message templates are our own wording
 * (Microsoft's texts are not copied); they keep the meaning of the
 * original and its numbered inserts, written %1 %2 %3.  A few codes take
 * an insert Microsoft's text lacks, where naming the item helps a user
 * (IMAPI_E_ISO9660_LEVELS: the path; IMAPI_E_DATA_TOO_BIG: the path and
 * the file system).
 *
 * The table is static and constant, so every function here is
 * thread-safe.  It is in header order (general codes, then
 * imapi2fserror.h, then imapi2error.h); lookups scan it linearly, which
 * for 158 entries costs less than a cache miss elsewhere.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L   /* strerror_r */
#endif

#include "internal.h"
#include "names.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fsi_code {
    const char *name;
    fsi_hresult value;
    const char *message;   /* template, inserts %1 %2 %3 */
    const char *inserts;   /* comma separated descriptions, "" for none */
};

/* The symbolic name is the macro's own spelling. */
#define C(sym, msg, ins) { #sym, sym, msg, ins }
/* General Windows codes: Windows names, FSI_ macros. */
#define G(name, sym, msg) { name, sym, msg, "" }

static const struct fsi_code codes[] = {
    /* --- general Windows codes ------------------------------------ */
    G("S_OK", FSI_S_OK, "The operation succeeded."),
    G("E_NOTIMPL", FSI_E_NOTIMPL, "This operation is not implemented in this version of libfsi."),
    G("E_POINTER", FSI_E_POINTER, "A required pointer argument is NULL."),
    G("E_FAIL", FSI_E_FAIL, "The operation failed."),
    G("E_OUTOFMEMORY", FSI_E_OUTOFMEMORY, "Memory allocation failed."),
    G("E_INVALIDARG", FSI_E_INVALIDARG, "An argument has an invalid value."),

    /* --- imapi2fserror.h ------------------------------------------ */
    C(IMAPI_E_FSI_INTERNAL_ERROR,
      "Internal error in libfsi (please report it as a bug): %1.",
      "description"),
    C(IMAPI_E_INVALID_PARAM,
      "Invalid value for parameter '%1'.",
      "parameter"),
    C(IMAPI_E_READONLY,
      "The image is read-only: it cannot be changed while a result image exists.",
      ""),
    C(IMAPI_E_NO_OUTPUT,
      "No file system is selected, so there is nothing to write.",
      ""),
    C(IMAPI_E_INVALID_VOLUME_NAME,
      "The volume name is too long or contains characters that are not allowed.",
      ""),
    C(IMAPI_E_INVALID_DATE,
      "Inconsistent item times: the %1 time lies before the %2 time.",
      "time,other time"),
    C(IMAPI_E_FILE_SYSTEM_NOT_EMPTY,
      "This can only be done while the image is still empty.",
      ""),
    C(IMAPI_E_NOT_FILE,
      "'%1' is not a file.",
      "path"),
    C(IMAPI_E_NOT_DIR,
      "'%1' is not a directory.",
      "path"),
    C(IMAPI_E_DIR_NOT_EMPTY,
      "The directory '%1' still contains items.",
      "path"),
    C(IMAPI_E_NOT_IN_FILE_SYSTEM,
      "'%1' has not been added to the image; add it before doing this.",
      "path"),
    C(IMAPI_E_INVALID_PATH,
      "The path '%1' is malformed or uses characters that are not allowed.",
      "path"),
    C(IMAPI_E_RESTRICTED_NAME_VIOLATION,
      "The name '%1' is not allowed: while the restricted character set is on, "
      "names may only use printable ASCII characters (32 to 126).",
      "name"),
    C(IMAPI_E_DUP_NAME,
      "An item named '%1' already exists.",
      "path"),
    C(IMAPI_E_NO_UNIQUE_NAME,
      "Cannot add '%1': no unique %2 name could be made for it.",
      "path,file system"),
    C(IMAPI_E_ITEM_NOT_FOUND,
      "There is no item '%1' in the image tree.",
      "path"),
    C(IMAPI_E_FILE_NOT_FOUND,
      "There is no file '%1' in the image tree.",
      "path"),
    C(IMAPI_E_DIR_NOT_FOUND,
      "There is no directory '%1' in the image tree.",
      "path"),
    C(IMAPI_E_IMAGE_SIZE_LIMIT,
      "Adding '%1' would make the image larger than its configured size limit.",
      "path"),
    C(IMAPI_E_IMAGE_TOO_BIG,
      "The media size limit (free media blocks) is smaller than the estimated size of the image.",
      ""),
    C(IMAPI_E_DATA_STREAM_INCONSISTENCY,
      "The data of '%1' changed size: %2 bytes were expected, %3 were found.",
      "path,expected bytes,found bytes"),
    C(IMAPI_E_DATA_STREAM_READ_FAILURE,
      "Cannot read the data of '%1'.",
      "path"),
    C(IMAPI_E_DATA_STREAM_CREATE_FAILURE,
      "Cannot open '%1' as the data of a file.",
      "path"),
    C(IMAPI_E_DIRECTORY_READ_FAILURE,
      "Cannot list the contents of the directory '%1'.",
      "path"),
    C(IMAPI_E_TOO_MANY_DIRS,
      "The image has more directories than the %1 file system can hold.",
      "file system"),
    C(IMAPI_E_ISO9660_LEVELS,
      "'%1' is nested too deeply: ISO9660 allows at most 8 levels of directories.",
      "path"),
    C(IMAPI_E_DATA_TOO_BIG,
      "The file '%1' is too large for the %2 file system.",
      "path,file system"),
    C(IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION,
      "The layout of the imported previous session does not allow the requested file systems.",
      ""),
    C(IMAPI_E_STASHFILE_OPEN_FAILURE,
      "Cannot create the stash file '%1'.",
      "stash file"),
    C(IMAPI_E_STASHFILE_SEEK_FAILURE,
      "Cannot seek in the stash file '%1'.",
      "stash file"),
    C(IMAPI_E_STASHFILE_WRITE_FAILURE,
      "Cannot write to the stash file '%1'.",
      "stash file"),
    C(IMAPI_E_STASHFILE_READ_FAILURE,
      "Cannot read from the stash file '%1'.",
      "stash file"),
    C(IMAPI_E_INVALID_WORKING_DIRECTORY,
      "'%1' cannot be used as the working directory.",
      "path"),
    C(IMAPI_E_WORKING_DIRECTORY_SPACE,
      "Not enough space in the working directory '%1': %2 bytes free, about %3 bytes needed.",
      "path,available bytes,required bytes"),
    C(IMAPI_E_STASHFILE_MOVE,
      "Cannot move the stash files to the directory '%1'.",
      "path"),
    C(IMAPI_E_BOOT_IMAGE_DATA,
      "Adding the boot image to the image failed.",
      ""),
    C(IMAPI_E_BOOT_OBJECT_CONFLICT,
      "Boot images can only be placed in the first session of a disc.",
      ""),
    C(IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH,
      "The size of the boot image does not match the requested emulation type.",
      ""),
    C(IMAPI_E_EMPTY_DISC,
      "The medium to import from is blank.",
      ""),
    C(IMAPI_E_NO_SUPPORTED_FILE_SYSTEM,
      "No supported file system was found on the disc or image.",
      ""),
    C(IMAPI_E_FILE_SYSTEM_NOT_FOUND,
      "The disc or image has no %1 file system.",
      "file system"),
    C(IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
      "The %1 file system being imported is inconsistent.",
      "file system"),
    C(IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED,
      "The %1 file system on the disc or image uses a feature that cannot be imported: %2.",
      "file system,feature"),
    C(IMAPI_E_IMPORT_TYPE_COLLISION_FILE_EXISTS_AS_DIRECTORY,
      "Cannot import the %2 file system: the file '%1' is already a directory in the image.",
      "path,file system"),
    C(IMAPI_E_IMPORT_SEEK_FAILURE,
      "Seeking to block %1 of the source disc or image failed.",
      "block"),
    C(IMAPI_E_IMPORT_READ_FAILURE,
      "Importing the previous session failed: a block could not be read (probably block %1).",
      "block"),
    C(IMAPI_E_DISC_MISMATCH,
      "This disc or image is not the one the file system was imported from.",
      ""),
    C(IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED,
      "Multisession is not possible with this type of media.",
      ""),
    C(IMAPI_E_UDF_NOT_WRITE_COMPATIBLE,
      "Cannot add a session: the UDF revision on this medium cannot be written.",
      ""),
    C(IMAPI_E_INCOMPATIBLE_MULTISESSION_TYPE,
      "The requested multisession type is not supported.",
      ""),
    C(IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE,
      "None of the given multisession types works with this medium.",
      ""),
    C(IMAPI_E_MULTISESSION_NOT_SET,
      "No previous session was given: set the multisession source before this call.",
      ""),
    C(IMAPI_E_IMPORT_TYPE_COLLISION_DIRECTORY_EXISTS_AS_FILE,
      "Cannot import the %2 file system: the directory '%1' is already a file in the image.",
      "path,file system"),
    C(IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED,
      "The selected file system revision cannot record this feature; the image is made without it.",
      ""),
    C(IMAPI_E_PROPERTY_NOT_ACCESSIBLE,
      "The property '%1' cannot be accessed on this item.",
      "property"),
    C(IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED,
      "The UDF revision cannot be changed after a previous session was imported.",
      ""),
    C(IMAPI_E_BAD_MULTISESSION_PARAMETER,
      "A multisession parameter is missing or has a wrong value.",
      ""),
    C(IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED,
      "The file systems to create must match those of the imported session.",
      ""),
    C(IMAPI_E_IMAGEMANAGER_IMAGE_NOT_ALIGNED,
      "The image size is not a multiple of 2048 bytes.",
      ""),
    C(IMAPI_E_IMAGEMANAGER_NO_VALID_VD_FOUND,
      "No valid volume descriptor was found in the image; a disc made from it may be unreadable.",
      ""),
    C(IMAPI_E_IMAGEMANAGER_NO_IMAGE,
      "No image was given to check (neither a path nor a stream).",
      ""),
    C(IMAPI_E_IMAGEMANAGER_IMAGE_TOO_BIG,
      "The image is too large to check: it has more than 2147483647 blocks.",
      ""),

    /* --- imapi2error.h -------------------------------------------- */
    C(E_IMAPI_REQUEST_CANCELLED,
      "The operation was cancelled.", ""),
    C(E_IMAPI_RECORDER_REQUIRED,
      "This operation needs a disc recorder to be selected first.", ""),
    C(S_IMAPI_SPEEDADJUSTED,
      "The drive does not support the requested write speed; the speed was adjusted.", ""),
    C(S_IMAPI_ROTATIONADJUSTED,
      "The drive does not support the requested rotation type; it was adjusted.", ""),
    C(S_IMAPI_BOTHADJUSTED,
      "The drive supports neither the requested write speed nor the rotation type; both were adjusted.", ""),
    C(E_IMAPI_BURN_VERIFICATION_FAILED,
      "Verification after writing failed: the disc may hold corrupt data or be unusable.", ""),
    C(S_IMAPI_COMMAND_HAS_SENSE_DATA,
      "The device took the command but reported an error in its sense data.", ""),
    C(E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE,
      "The device does not have the requested mode page.", ""),
    C(E_IMAPI_RECORDER_MEDIA_NO_MEDIA,
      "The drive has no disc in it.", ""),
    C(E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE,
      "The disc is incompatible or its physical format is unknown.", ""),
    C(E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN,
      "The disc is upside down in the drive.", ""),
    C(E_IMAPI_RECORDER_MEDIA_BECOMING_READY,
      "The drive is getting ready; try again in a moment.", ""),
    C(E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS,
      "The disc is being formatted; wait until formatting finishes.", ""),
    C(E_IMAPI_RECORDER_MEDIA_BUSY,
      "The drive is busy with a long operation (such as finishing a write) and may be unavailable for a while.", ""),
    C(E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS,
      "The drive rejected the combination of mode page parameters of a MODE SELECT command.", ""),
    C(E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED,
      "The disc is write-protected.", ""),
    C(E_IMAPI_RECORDER_NO_SUCH_FEATURE,
      "The device does not support the requested feature page.", ""),
    C(E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT,
      "The device supports the requested feature page, but it is not current.", ""),
    C(E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED,
      "GET CONFIGURATION is not available on this drive.", ""),
    C(E_IMAPI_RECORDER_COMMAND_TIMEOUT,
      "The device did not accept the command in time; it may be in an inconsistent state, "
      "or the command may need a longer timeout.", ""),
    C(E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT,
      "The DVD structure is missing; the drive and the disc may be incompatible.", ""),
    C(E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH,
      "The speed of the disc is outside the range the device supports.", ""),
    C(E_IMAPI_RECORDER_LOCKED,
      "The operation failed because the device is locked for exclusive use by another client.", ""),
    C(E_IMAPI_RECORDER_CLIENT_NAME_IS_NOT_VALID,
      "Invalid client name for the recorder.", ""),
    C(E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED,
      "The disc is not formatted; format it before use.", ""),
    C(E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
      "The device answered a command with invalid or unexpected data.", ""),
    C(E_IMAPI_LOSS_OF_STREAMING,
      "Writing failed because data did not reach the drive fast enough (buffer underrun); "
      "use local source files, a lower write speed or buffer-underrun protection.", ""),
    C(E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE,
      "Writing failed because the drive reported an error it cannot recover from.", ""),
    C(S_IMAPI_WRITE_NOT_IN_PROGRESS,
      "No write is in progress.", ""),
    C(E_IMAPI_DF2DATA_WRITE_IN_PROGRESS,
      "A data write is already in progress.", ""),
    C(E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS,
      "No data write is in progress.", ""),
    C(E_IMAPI_DF2DATA_INVALID_MEDIA_STATE,
      "This operation requires a supported disc.", ""),
    C(E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED,
      "This kind of data stream cannot be written.", ""),
    C(E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA,
      "The data to write does not fit on the disc in the drive.", ""),
    C(E_IMAPI_DF2DATA_MEDIA_NOT_BLANK,
      "The disc is not blank; overwriting it requires forcing the overwrite.", ""),
    C(E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED,
      "This type of disc is not supported for data writing.", ""),
    C(E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED,
      "The device cannot perform the operations that data writing needs.", ""),
    C(E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID,
      "Invalid client name for data writing.", ""),
    C(E_IMAPI_DF2TAO_WRITE_IN_PROGRESS,
      "A track-at-once write is already in progress.", ""),
    C(E_IMAPI_DF2TAO_WRITE_NOT_IN_PROGRESS,
      "No track-at-once write is in progress.", ""),
    C(E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED,
      "The disc must be prepared before this operation.", ""),
    C(E_IMAPI_DF2TAO_MEDIA_IS_PREPARED,
      "This operation is not allowed while the disc is prepared and not yet released.", ""),
    C(E_IMAPI_DF2TAO_PROPERTY_FOR_BLANK_MEDIA_ONLY,
      "This property can only be changed while the disc is still blank.", ""),
    C(E_IMAPI_DF2TAO_TABLE_OF_CONTENTS_EMPTY_DISC,
      "An empty disc has no table of contents to read.", ""),
    C(E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK,
      "The disc is not blank; track-at-once writing needs a blank CD-R or CD-RW.", ""),
    C(E_IMAPI_DF2TAO_MEDIA_IS_NOT_SUPPORTED,
      "This type of disc is not supported; track-at-once writing needs a blank CD-R or CD-RW.", ""),
    C(E_IMAPI_DF2TAO_TRACK_LIMIT_REACHED,
      "A CD cannot hold more than 99 audio tracks.", ""),
    C(E_IMAPI_DF2TAO_NOT_ENOUGH_SPACE,
      "The disc has not enough space left for this audio track.", ""),
    C(E_IMAPI_DF2TAO_NO_RECORDER_SPECIFIED,
      "Choose a recorder before preparing the disc.", ""),
    C(E_IMAPI_DF2TAO_INVALID_ISRC,
      "Invalid ISRC (International Standard Recording Code).", ""),
    C(E_IMAPI_DF2TAO_INVALID_MCN,
      "Invalid Media Catalog Number (MCN).", ""),
    C(E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED,
      "This audio stream cannot be used.", ""),
    C(E_IMAPI_DF2TAO_RECORDER_NOT_SUPPORTED,
      "The device cannot perform the operations that track-at-once writing needs.", ""),
    C(E_IMAPI_DF2TAO_CLIENT_NAME_IS_NOT_VALID,
      "Invalid client name for track-at-once writing.", ""),
    C(E_IMAPI_DF2RAW_WRITE_IN_PROGRESS,
      "A raw (disc-at-once) write is already in progress.", ""),
    C(E_IMAPI_DF2RAW_WRITE_NOT_IN_PROGRESS,
      "No raw (disc-at-once) write is in progress.", ""),
    C(E_IMAPI_DF2RAW_MEDIA_IS_NOT_PREPARED,
      "The disc must be prepared before this raw write operation.", ""),
    C(E_IMAPI_DF2RAW_MEDIA_IS_PREPARED,
      "This raw write operation is not allowed while the disc is prepared and not yet released.", ""),
    C(E_IMAPI_DF2RAW_CLIENT_NAME_IS_NOT_VALID,
      "Invalid client name for raw writing.", ""),
    C(E_IMAPI_DF2RAW_MEDIA_IS_NOT_BLANK,
      "The disc is not blank; raw writing needs a blank CD-R or CD-RW.", ""),
    C(E_IMAPI_DF2RAW_MEDIA_IS_NOT_SUPPORTED,
      "This type of disc is not supported; raw writing needs a blank CD-R or CD-RW.", ""),
    C(E_IMAPI_DF2RAW_NOT_ENOUGH_SPACE,
      "The disc has not enough space left for this session.", ""),
    C(E_IMAPI_DF2RAW_NO_RECORDER_SPECIFIED,
      "Choose a recorder before preparing the disc for raw writing.", ""),
    C(E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED,
      "This raw audio stream cannot be used.", ""),
    C(E_IMAPI_DF2RAW_DATA_BLOCK_TYPE_NOT_SUPPORTED,
      "The device does not support the requested data block type.", ""),
    C(E_IMAPI_DF2RAW_STREAM_LEADIN_TOO_SHORT,
      "The stream has too few lead-in sectors for this disc.", ""),
    C(E_IMAPI_DF2RAW_RECORDER_NOT_SUPPORTED,
      "The device cannot perform the operations that raw writing needs.", ""),
    C(E_IMAPI_ERASE_RECORDER_IN_USE,
      "The recorder is busy erasing a disc; wait for the erase to finish before setting or clearing the recorder.", ""),
    C(E_IMAPI_ERASE_ONLY_ONE_RECORDER_SUPPORTED,
      "Erasing works with one recorder only; clear the current recorder before setting another.", ""),
    C(E_IMAPI_ERASE_DISC_INFORMATION_TOO_SMALL,
      "The drive returned too little data for READ DISC INFORMATION; the drive or the disc may be unsupported.", ""),
    C(E_IMAPI_ERASE_MODE_PAGE_2A_TOO_SMALL,
      "The drive returned too little data for MODE SENSE page 0x2A; the drive or the disc may be unsupported.", ""),
    C(E_IMAPI_ERASE_MEDIA_IS_NOT_ERASABLE,
      "The drive says this disc cannot be erased.", ""),
    C(E_IMAPI_ERASE_DRIVE_FAILED_ERASE_COMMAND,
      "The drive failed to erase the disc.", ""),
    C(E_IMAPI_ERASE_TOOK_LONGER_THAN_ONE_HOUR,
      "The erase did not finish within one hour; the drive may need a power cycle, "
      "the disc may need to be removed, or other manual help may be needed.", ""),
    C(E_IMAPI_ERASE_UNEXPECTED_DRIVE_RESPONSE_DURING_ERASE,
      "The drive reported an unexpected error while erasing; the disc may be unusable, "
      "the erase may have finished, or it may still be running.", ""),
    C(E_IMAPI_ERASE_DRIVE_FAILED_SPINUP_COMMAND,
      "The drive failed to spin up (START UNIT); manual intervention may be needed.", ""),
    C(E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED,
      "This type of disc cannot be erased here.", ""),
    C(E_IMAPI_ERASE_RECORDER_NOT_SUPPORTED,
      "The device cannot perform the operations that erasing needs.", ""),
    C(E_IMAPI_ERASE_CLIENT_NAME_IS_NOT_VALID,
      "Invalid client name for erasing.", ""),
    C(E_IMAPI_RAW_IMAGE_IS_READ_ONLY,
      "The raw CD image was turned into a result and is now read-only; it can no longer be changed.", ""),
    C(E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS,
      "No more tracks can be added: CD track numbers run from 1 to 99.", ""),
    C(E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED,
      "Sectors of this type cannot be used in a raw CD image.", ""),
    C(E_IMAPI_RAW_IMAGE_NO_TRACKS,
      "Add at least one track before using this function.", ""),
    C(E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED,
      "This function must be used before any track is added.", ""),
    C(E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE,
      "Adding this track would move the start of the lead-out past its limit.", ""),
    C(E_IMAPI_RAW_IMAGE_TOO_MANY_TRACK_INDEXES,
      "A track cannot have more than 99 indexes.", ""),
    C(E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND,
      "No track index exists at this LBA offset.", ""),
    C(S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS,
      "A track index already exists at this LBA offset.", ""),
    C(E_IMAPI_RAW_IMAGE_TRACK_INDEX_OFFSET_ZERO_CANNOT_BE_CLEARED,
      "The index at LBA offset 0 (index 1) must stay; it cannot be removed.", ""),
    C(E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX,
      "Track indexes must be at least 10 sectors apart.", ""),
};

#undef C
#undef G

#define NCODES (sizeof codes / sizeof codes[0])

static const struct fsi_code *find(fsi_hresult hr)
{
    for (size_t i = 0; i < NCODES; i++)
        if (codes[i].value == hr)
            return &codes[i];
    return NULL;
}

FSI_API const char *fsi_error_name(fsi_hresult hr)
{
    const struct fsi_code *c = find(hr);
    return c ? c->name : NULL;
}

FSI_API const char *fsi_error_message(fsi_hresult hr)
{
    const struct fsi_code *c = find(hr);
    return c ? c->message : NULL;
}

FSI_API const char *fsi_error_inserts(fsi_hresult hr)
{
    const struct fsi_code *c = find(hr);
    return c ? c->inserts : NULL;
}

FSI_API size_t fsi_error_count(void)
{
    return NCODES;
}

FSI_API fsi_hresult fsi_error_at(size_t i)
{
    return i < NCODES ? codes[i].value : FSI_E_INVALIDARG;
}

/* Append n bytes of s at *len, writing only what fits below size-1. */
static void put(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
    if (size && *len < size - 1) {
        size_t room = size - 1 - *len;
        memcpy(buf + *len, s, n < room ? n : room);
    }
    *len += n;
}

FSI_API size_t fsi_error_format(fsi_hresult hr, char *buf, size_t size,
                                const char *const *inserts, size_t ninserts)
{
    const char *tmpl = fsi_error_message(hr);
    char unknown[48];
    size_t len = 0;

    if (!buf)
        size = 0;
    if (!tmpl) {
        snprintf(unknown, sizeof unknown, "Unknown error 0x%08X.", (unsigned)(uint32_t)hr);
        tmpl = unknown;
    }
    for (const char *p = tmpl; *p;) {
        if (p[0] == '%' && p[1] >= '1' && p[1] <= '9') {
            size_t k = (size_t)(p[1] - '1');
            const char *s = (inserts && k < ninserts && inserts[k]) ? inserts[k] : "?";
            put(buf, size, &len, s, strlen(s));
            p += 2;
        } else if (p[0] == '%' && p[1] == '%') {
            put(buf, size, &len, "%", 1);
            p += 2;
        } else {
            const char *q = p + 1;
            while (*q && *q != '%')
                q++;
            put(buf, size, &len, p, (size_t)(q - p));
            p = q;
        }
    }
    if (size)
        buf[len < size ? len : size - 1] = '\0';
    return len;
}

/* ASCII case-insensitive equality. */
static int same_name(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'a' && x <= 'z')
            x = (unsigned char)(x - 'a' + 'A');
        if (y >= 'a' && y <= 'z')
            y = (unsigned char)(y - 'a' + 'A');
        if (x != y)
            return 0;
        if (!x)
            return 1;
    }
}

/* ASCII case-insensitive: does s start with prefix? */
static int same_prefix(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);
    char head[8];
    if (n >= sizeof head || strlen(s) < n)
        return 0;
    memcpy(head, s, n);
    head[n] = '\0';
    return same_name(head, prefix);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parse "0x" + 1..8 hex digits, or an optionally negative decimal in
 * [-2^31, 2^32-1], into the 32-bit value.  Returns 0 or -1. */
static int parse_number(const char *s, uint32_t *out)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        uint32_t v = 0;
        size_t n = 0;
        for (s += 2; *s; s++, n++) {
            int d = hexval((unsigned char)*s);
            if (d < 0 || n == 8)
                return -1;
            v = (v << 4) | (uint32_t)d;
        }
        if (n == 0)
            return -1;
        *out = v;
        return 0;
    }
    bool neg = false;
    if (*s == '-') {
        neg = true;
        s++;
    }
    if (!*s)
        return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > (neg ? UINT64_C(0x80000000) : UINT64_C(0xFFFFFFFF)))
            return -1;
    }
    *out = neg ? (uint32_t)(UINT64_C(0x100000000) - v) : (uint32_t)v;
    return 0;
}

FSI_API int fsi_error_lookup(const char *text, fsi_hresult *out)
{
    if (!text || !*text)
        return -1;
    for (size_t i = 0; i < NCODES; i++) {
        if (same_name(text, codes[i].name)) {
            if (out)
                *out = codes[i].value;
            return 0;
        }
    }
    /* The general codes also under their libfsi macro names (FSI_E_FAIL). */
    if (same_prefix(text, "FSI_")) {
        for (size_t i = 0; i < NCODES; i++) {
            if (!strstr(codes[i].name, "IMAPI") && same_name(text + 4, codes[i].name)) {
                if (out)
                    *out = codes[i].value;
                return 0;
            }
        }
    }
    uint32_t v;
    if (parse_number(text, &v) == 0) {
        const struct fsi_code *c = find((fsi_hresult)v);
        if (c) {
            if (out)
                *out = c->value;
            return 0;
        }
    }
    return -1;
}

/* ------------------------------------------------------------------ */
/* Recording failures on an image handle                               */
/* ------------------------------------------------------------------ */

/* strerror_r comes in a GNU flavour (returns char *) and an XSI one
 * (returns int); pick the right reading of its result at compile time. */
static const char *strerror_gnu(char *r, char *buf)
{
    (void)buf;
    return r;
}

static const char *strerror_xsi(int r, char *buf)
{
    return r == 0 ? buf : NULL;
}

static const char *errno_text(int err, char *buf, size_t size)
{
    const char *s;
    buf[0] = '\0';
    s = _Generic(strerror_r(err, buf, size),
                 char *: strerror_gnu,
                 default: strerror_xsi)(strerror_r(err, buf, size), buf);
    if (!s || !*s) {
        snprintf(buf, size, "error %d", err);
        s = buf;
    }
    return s;
}

/* Whether the character c, read by name_next (raw: a byte that is not
 * UTF-8), must not reach a terminal as it is: C0 controls (a newline in a
 * file name would split the message), DEL, C1 controls (0x9B is CSI, an
 * escape sequence of its own) and bytes that are not UTF-8. */
static bool unprintable(uint32_t c, bool raw)
{
    return raw || c < 0x20 || (c >= 0x7F && c <= 0x9F);
}

/* In place, when there is no memory to escape: every byte of an
 * unprintable character becomes '?'. */
static void one_line(char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        size_t at = i;
        bool raw = false;
        uint32_t c = name_next(s, len, &i, &raw);
        if (unprintable(c, raw))
            memset(s + at, '?', i - at);
    }
}

/* The message s with every byte of an unprintable character written as
 * \xHH, so a path from the host or an image never drives the terminal and
 * still shows which bytes it has.  Returns s itself when nothing needs
 * escaping, else a new buffer (s is freed); out of memory, s with '?' for
 * those bytes. */
static char *escape_message(char *s)
{
    size_t len = strlen(s), extra = 0;
    for (size_t i = 0; i < len;) {
        size_t at = i;
        bool raw = false;
        uint32_t c = name_next(s, len, &i, &raw);
        if (unprintable(c, raw))
            extra += 3 * (i - at);
    }
    if (!extra)
        return s;
    char *out = malloc(len + extra + 1);
    if (out) {
        size_t o = 0;
        for (size_t i = 0; i < len;) {
            size_t at = i;
            bool raw = false;
            uint32_t c = name_next(s, len, &i, &raw);
            if (unprintable(c, raw)) {
                for (; at < i; at++)
                    o += (size_t)sprintf(out + o, "\\x%02X", (unsigned char)s[at]);
            } else {
                memcpy(out + o, s + at, i - at);
                o += i - at;
            }
        }
        out[o] = '\0';
    } else {
        one_line(s);
        return s;
    }
    free(s);
    return out;
}

char *fsi_text_escape(const char *s)
{
    char *copy = strdup(s);
    return copy ? escape_message(copy) : NULL;
}

/* Store msg (malloc'ed, may be NULL) as the handle's message.  When
 * memory ran out, the previous buffer is reused for as much of the
 * formatted message as fits, so the handle never points at static storage
 * and image.c can always free(last_msg). */
static void store(fsi_image *img, fsi_hresult hr, char *msg,
                  const char *const *ins, size_t nins)
{
    img->last_code = hr;
    if (msg) {
        free(img->last_msg);
        img->last_msg = msg;
    } else if (img->last_msg) {
        fsi_error_format(hr, img->last_msg, strlen(img->last_msg) + 1, ins, nins);
        one_line(img->last_msg);
    }
}

/* Build "<message>[; <extra>][: <strerror>]" in a new buffer.  The
 * template's final period is dropped when something follows it. */
char *fsi_error_compose(fsi_hresult hr, const char *const *ins, size_t nins,
                        const char *extra, int err)
{
    char ebuf[256];
    const char *etext = err ? errno_text(err, ebuf, sizeof ebuf) : NULL;
    size_t mlen = fsi_error_format(hr, NULL, 0, ins, nins);
    size_t xlen = extra && *extra ? strlen(extra) : 0;
    size_t elen = etext ? strlen(etext) : 0;
    char *msg = malloc(mlen + (xlen ? 2 + xlen : 0) + (elen ? 2 + elen : 0) + 1);
    if (!msg)
        return NULL;
    fsi_error_format(hr, msg, mlen + 1, ins, nins);
    size_t len = mlen;
    if ((xlen || elen) && len && msg[len - 1] == '.')
        len--;
    if (xlen) {
        memcpy(msg + len, "; ", 2);
        memcpy(msg + len + 2, extra, xlen);
        len += 2 + xlen;
    }
    if (elen) {
        memcpy(msg + len, ": ", 2);
        memcpy(msg + len + 2, etext, elen);
        len += 2 + elen;
    }
    msg[len] = '\0';
    return escape_message(msg);
}

static size_t count_inserts(const char *const *ins, size_t max)
{
    size_t n = 0;
    while (n < max && ins[n])
        n++;
    return n;
}

fsi_hresult fsi_fail(fsi_image *img, fsi_hresult hr, int err, const char *i1,
                     const char *i2, const char *i3)
{
    if (!img)
        return hr;
    const char *ins[3] = { i1, i2, i3 };
    size_t nins = count_inserts(ins, 3);
    store(img, hr, fsi_error_compose(hr, ins, nins, NULL, err), ins, nins);
    return hr;
}

fsi_hresult fsi_fail_copy(fsi_image *img, fsi_hresult hr, const char *msg)
{
    if (!img)
        return hr;
    char *m = msg && *msg ? strdup(msg) : NULL;
    if (!m)
        return fsi_fail(img, hr, 0, NULL, NULL, NULL);
    store(img, hr, m, NULL, 0);
    return hr;
}

fsi_hresult fsi_fail_extra(fsi_image *img, fsi_hresult hr, const char *i1, const char *i2,
                           const char *i3, const char *extra)
{
    if (!img)
        return hr;
    const char *ins[3] = { i1, i2, i3 };
    size_t nins = count_inserts(ins, 3);
    store(img, hr, fsi_error_compose(hr, ins, nins, extra, 0), ins, nins);
    return hr;
}

fsi_hresult fsi_failf(fsi_image *img, fsi_hresult hr, int err, const char *i1,
                      const char *i2, const char *fmt, ...)
{
    if (!img)
        return hr;
    const char *ins[2] = { i1, i2 };
    char small[256] = "";
    char *extra = NULL;
    const char *x = NULL;

    if (fmt) {
        va_list ap, ap2;
        va_start(ap, fmt);
        va_copy(ap2, ap);
        int n = vsnprintf(small, sizeof small, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < sizeof small) {
            x = small;
        } else if (n >= 0 && (extra = malloc((size_t)n + 1)) != NULL) {
            vsnprintf(extra, (size_t)n + 1, fmt, ap2);
            x = extra;
        } else if (n >= 0) {
            x = small;   /* out of memory: the truncated text will do */
        }
        va_end(ap2);
    }
    size_t nins = count_inserts(ins, 2);
    char *msg = fsi_error_compose(hr, ins, nins, x, err);
    free(extra);
    store(img, hr, msg, ins, nins);
    return hr;
}
