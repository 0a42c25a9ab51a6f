/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsi.h - libfsi: build ISO9660, Joliet and UDF optical-disc images.
 *
 * The one public header of libfsi.  The model is Microsoft's IMAPI2FS
 * (IFileSystemImage): an image object holds an in-memory tree of files and
 * directories; a result object turns the tree into an image.
 *
 * Conventions
 *  - Every call that can fail returns an fsi_hresult: 0 (FSI_S_OK) on
 *    success, a negative IMAPI HRESULT on failure (IMAPI_E_*, E_IMAPI_*,
 *    FSI_E_*), or a positive success-with-information code (IMAPI_S_*).
 *    Test with FSI_SUCCEEDED()/FSI_FAILED().
 *  - After a failure, fsi_image_last_error() gives a one-line message with
 *    the inserts filled in (the path involved, the file-system name, byte
 *    counts) and, where a system call failed, strerror(errno).  Control
 *    characters (C0, DEL, C1) and bytes that are not UTF-8 in a message
 *    are written as "\xHH", one escape per byte, so a message can go to a
 *    terminal as it is (fsi_error_format, which fills in the caller's own
 *    inserts, does not escape them).
 *  - Strings are UTF-8.  Image paths use '/' separators, with or without a
 *    leading '/'; "" and "/" name the root.  Names are case-sensitive.
 *  - Names in the tree are bytes, kept as given (fsi_item_get_info and
 *    fsi_enum_children return them so): any name Linux allows is valid -
 *    control characters and bytes that are not UTF-8 included - except
 *    the empty name, ".", "..", and names with '/' or NUL or of more than
 *    255 characters (IMAPI_E_INVALID_PATH).  Characters are counted as
 *    UTF-8, a byte that is not part of valid UTF-8 as one.  Under
 *    StrictFileSystemCompliance control characters and invalid UTF-8 are
 *    IMAPI_E_INVALID_PATH too.  Each file system translates what it cannot
 *    hold, deterministically, and keeps the names of a directory unique:
 *    a byte that is not UTF-8 is read as Latin-1 (U+0080..U+00FF of the
 *    same value); ISO9660 and Joliet write '_' for each control character
 *    (C0, DEL, C1), UDF keeps them.
 *  - Thread safety: one handle per thread.  Different handles are
 *    independent; the error table functions are thread-safe.
 *  - Threads of the library's own: fsi_add_tree stats a directory's
 *    entries on every core, and fsi_result_write_fd writes into a regular
 *    file from a second thread while it makes the next buffer.  They live
 *    only during that call, block every signal (signals keep reaching the
 *    application's threads) and never call the application: progress and
 *    data callbacks always run on the thread that made the call.
 *  - Ownership: strings passed in are copied unless a comment says
 *    otherwise; strings returned are owned by the library and valid until
 *    the next call on the same handle unless a comment says otherwise.
 */
#ifndef FSI_H
#define FSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define FSI_API __attribute__((visibility("default")))
#else
#define FSI_API
#endif

/* ------------------------------------------------------------------ */
/* Result codes                                                        */
/* ------------------------------------------------------------------ */

/** An IMAPI HRESULT: 0 success, < 0 failure, > 0 success with information. */
typedef int32_t fsi_hresult;

#define FSI_HR(v) ((fsi_hresult)(int32_t)(uint32_t)(v##U))
#define FSI_SUCCEEDED(hr) ((fsi_hresult)(hr) >= 0)
#define FSI_FAILED(hr) ((fsi_hresult)(hr) < 0)

/* General Windows codes that IMAPI members also return. */
#define FSI_S_OK                                             FSI_HR(0x00000000)
#define FSI_E_NOTIMPL                                        FSI_HR(0x80004001)
#define FSI_E_POINTER                                        FSI_HR(0x80004003)
#define FSI_E_FAIL                                           FSI_HR(0x80004005)
#define FSI_E_OUTOFMEMORY                                    FSI_HR(0x8007000E)
#define FSI_E_INVALIDARG                                     FSI_HR(0x80070057)

/* Every code of the Windows SDK's imapi2fserror.h and imapi2error.h, with
 * the same names and values. */
#define IMAPI_E_FSI_INTERNAL_ERROR                           FSI_HR(0xC0AAB100)
#define IMAPI_E_INVALID_PARAM                                FSI_HR(0xC0AAB101)
#define IMAPI_E_READONLY                                     FSI_HR(0xC0AAB102)
#define IMAPI_E_NO_OUTPUT                                    FSI_HR(0xC0AAB103)
#define IMAPI_E_INVALID_VOLUME_NAME                          FSI_HR(0xC0AAB104)
#define IMAPI_E_INVALID_DATE                                 FSI_HR(0xC0AAB105)
#define IMAPI_E_FILE_SYSTEM_NOT_EMPTY                        FSI_HR(0xC0AAB106)
#define IMAPI_E_NOT_FILE                                     FSI_HR(0xC0AAB108)
#define IMAPI_E_NOT_DIR                                      FSI_HR(0xC0AAB109)
#define IMAPI_E_DIR_NOT_EMPTY                                FSI_HR(0xC0AAB10A)
#define IMAPI_E_NOT_IN_FILE_SYSTEM                           FSI_HR(0xC0AAB10B)
#define IMAPI_E_INVALID_PATH                                 FSI_HR(0xC0AAB110)
#define IMAPI_E_RESTRICTED_NAME_VIOLATION                    FSI_HR(0xC0AAB111)
#define IMAPI_E_DUP_NAME                                     FSI_HR(0xC0AAB112)
#define IMAPI_E_NO_UNIQUE_NAME                               FSI_HR(0xC0AAB113)
#define IMAPI_E_ITEM_NOT_FOUND                               FSI_HR(0xC0AAB118)
#define IMAPI_E_FILE_NOT_FOUND                               FSI_HR(0xC0AAB119)
#define IMAPI_E_DIR_NOT_FOUND                                FSI_HR(0xC0AAB11A)
#define IMAPI_E_IMAGE_SIZE_LIMIT                             FSI_HR(0xC0AAB120)
#define IMAPI_E_IMAGE_TOO_BIG                                FSI_HR(0xC0AAB121)
#define IMAPI_E_DATA_STREAM_INCONSISTENCY                    FSI_HR(0xC0AAB128)
#define IMAPI_E_DATA_STREAM_READ_FAILURE                     FSI_HR(0xC0AAB129)
#define IMAPI_E_DATA_STREAM_CREATE_FAILURE                   FSI_HR(0xC0AAB12A)
#define IMAPI_E_DIRECTORY_READ_FAILURE                       FSI_HR(0xC0AAB12B)
#define IMAPI_E_TOO_MANY_DIRS                                FSI_HR(0xC0AAB130)
#define IMAPI_E_ISO9660_LEVELS                               FSI_HR(0xC0AAB131)
#define IMAPI_E_DATA_TOO_BIG                                 FSI_HR(0xC0AAB132)
#define IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION                FSI_HR(0xC0AAB133)
#define IMAPI_E_STASHFILE_OPEN_FAILURE                       FSI_HR(0xC0AAB138)
#define IMAPI_E_STASHFILE_SEEK_FAILURE                       FSI_HR(0xC0AAB139)
#define IMAPI_E_STASHFILE_WRITE_FAILURE                      FSI_HR(0xC0AAB13A)
#define IMAPI_E_STASHFILE_READ_FAILURE                       FSI_HR(0xC0AAB13B)
#define IMAPI_E_INVALID_WORKING_DIRECTORY                    FSI_HR(0xC0AAB140)
#define IMAPI_E_WORKING_DIRECTORY_SPACE                      FSI_HR(0xC0AAB141)
#define IMAPI_E_STASHFILE_MOVE                               FSI_HR(0xC0AAB142)
#define IMAPI_E_BOOT_IMAGE_DATA                              FSI_HR(0xC0AAB148)
#define IMAPI_E_BOOT_OBJECT_CONFLICT                         FSI_HR(0xC0AAB149)
#define IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH           FSI_HR(0xC0AAB14A)
#define IMAPI_E_EMPTY_DISC                                   FSI_HR(0xC0AAB150)
#define IMAPI_E_NO_SUPPORTED_FILE_SYSTEM                     FSI_HR(0xC0AAB151)
#define IMAPI_E_FILE_SYSTEM_NOT_FOUND                        FSI_HR(0xC0AAB152)
#define IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR           FSI_HR(0xC0AAB153)
#define IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED            FSI_HR(0xC0AAB154)
#define IMAPI_E_IMPORT_TYPE_COLLISION_FILE_EXISTS_AS_DIRECTORY FSI_HR(0xC0AAB155)
#define IMAPI_E_IMPORT_SEEK_FAILURE                          FSI_HR(0xC0AAB156)
#define IMAPI_E_IMPORT_READ_FAILURE                          FSI_HR(0xC0AAB157)
#define IMAPI_E_DISC_MISMATCH                                FSI_HR(0xC0AAB158)
#define IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED                     FSI_HR(0xC0AAB159)
#define IMAPI_E_UDF_NOT_WRITE_COMPATIBLE                     FSI_HR(0xC0AAB15A)
#define IMAPI_E_INCOMPATIBLE_MULTISESSION_TYPE               FSI_HR(0xC0AAB15B)
#define IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE              FSI_HR(0xC0AAB15C)
#define IMAPI_E_MULTISESSION_NOT_SET                         FSI_HR(0xC0AAB15D)
#define IMAPI_E_IMPORT_TYPE_COLLISION_DIRECTORY_EXISTS_AS_FILE FSI_HR(0xC0AAB15E)
#define IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED                  FSI_HR(0x00AAB15F)
#define IMAPI_E_PROPERTY_NOT_ACCESSIBLE                      FSI_HR(0xC0AAB160)
#define IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED              FSI_HR(0xC0AAB161)
#define IMAPI_E_BAD_MULTISESSION_PARAMETER                   FSI_HR(0xC0AAB162)
#define IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED               FSI_HR(0xC0AAB163)
#define IMAPI_E_IMAGEMANAGER_IMAGE_NOT_ALIGNED               FSI_HR(0xC0AAB200)
#define IMAPI_E_IMAGEMANAGER_NO_VALID_VD_FOUND               FSI_HR(0xC0AAB201)
#define IMAPI_E_IMAGEMANAGER_NO_IMAGE                        FSI_HR(0xC0AAB202)
#define IMAPI_E_IMAGEMANAGER_IMAGE_TOO_BIG                   FSI_HR(0xC0AAB203)
#define E_IMAPI_REQUEST_CANCELLED                            FSI_HR(0xC0AA0002)
#define E_IMAPI_RECORDER_REQUIRED                            FSI_HR(0xC0AA0003)
#define S_IMAPI_SPEEDADJUSTED                                FSI_HR(0x00AA0004)
#define S_IMAPI_ROTATIONADJUSTED                             FSI_HR(0x00AA0005)
#define S_IMAPI_BOTHADJUSTED                                 FSI_HR(0x00AA0006)
#define E_IMAPI_BURN_VERIFICATION_FAILED                     FSI_HR(0xC0AA0007)
#define S_IMAPI_COMMAND_HAS_SENSE_DATA                       FSI_HR(0x00AA0200)
#define E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE                   FSI_HR(0xC0AA0201)
#define E_IMAPI_RECORDER_MEDIA_NO_MEDIA                      FSI_HR(0xC0AA0202)
#define E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE                  FSI_HR(0xC0AA0203)
#define E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN                   FSI_HR(0xC0AA0204)
#define E_IMAPI_RECORDER_MEDIA_BECOMING_READY                FSI_HR(0xC0AA0205)
#define E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS            FSI_HR(0xC0AA0206)
#define E_IMAPI_RECORDER_MEDIA_BUSY                          FSI_HR(0xC0AA0207)
#define E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS             FSI_HR(0xC0AA0208)
#define E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED               FSI_HR(0xC0AA0209)
#define E_IMAPI_RECORDER_NO_SUCH_FEATURE                     FSI_HR(0xC0AA020A)
#define E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT              FSI_HR(0xC0AA020B)
#define E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED     FSI_HR(0xC0AA020C)
#define E_IMAPI_RECORDER_COMMAND_TIMEOUT                     FSI_HR(0xC0AA020D)
#define E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT           FSI_HR(0xC0AA020E)
#define E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH                FSI_HR(0xC0AA020F)
#define E_IMAPI_RECORDER_LOCKED                              FSI_HR(0xC0AA0210)
#define E_IMAPI_RECORDER_CLIENT_NAME_IS_NOT_VALID            FSI_HR(0xC0AA0211)
#define E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED                 FSI_HR(0xC0AA0212)
#define E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE        FSI_HR(0xC0AA02FF)
#define E_IMAPI_LOSS_OF_STREAMING                            FSI_HR(0xC0AA0300)
#define E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE              FSI_HR(0xC0AA0301)
#define S_IMAPI_WRITE_NOT_IN_PROGRESS                        FSI_HR(0x00AA0302)
#define E_IMAPI_DF2DATA_WRITE_IN_PROGRESS                    FSI_HR(0xC0AA0400)
#define E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS                FSI_HR(0xC0AA0401)
#define E_IMAPI_DF2DATA_INVALID_MEDIA_STATE                  FSI_HR(0xC0AA0402)
#define E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED                 FSI_HR(0xC0AA0403)
#define E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA   FSI_HR(0xC0AA0404)
#define E_IMAPI_DF2DATA_MEDIA_NOT_BLANK                      FSI_HR(0xC0AA0405)
#define E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED               FSI_HR(0xC0AA0406)
#define E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED               FSI_HR(0xC0AA0407)
#define E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID             FSI_HR(0xC0AA0408)
#define E_IMAPI_DF2TAO_WRITE_IN_PROGRESS                     FSI_HR(0xC0AA0500)
#define E_IMAPI_DF2TAO_WRITE_NOT_IN_PROGRESS                 FSI_HR(0xC0AA0501)
#define E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED                 FSI_HR(0xC0AA0502)
#define E_IMAPI_DF2TAO_MEDIA_IS_PREPARED                     FSI_HR(0xC0AA0503)
#define E_IMAPI_DF2TAO_PROPERTY_FOR_BLANK_MEDIA_ONLY         FSI_HR(0xC0AA0504)
#define E_IMAPI_DF2TAO_TABLE_OF_CONTENTS_EMPTY_DISC          FSI_HR(0xC0AA0505)
#define E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK                    FSI_HR(0xC0AA0506)
#define E_IMAPI_DF2TAO_MEDIA_IS_NOT_SUPPORTED                FSI_HR(0xC0AA0507)
#define E_IMAPI_DF2TAO_TRACK_LIMIT_REACHED                   FSI_HR(0xC0AA0508)
#define E_IMAPI_DF2TAO_NOT_ENOUGH_SPACE                      FSI_HR(0xC0AA0509)
#define E_IMAPI_DF2TAO_NO_RECORDER_SPECIFIED                 FSI_HR(0xC0AA050A)
#define E_IMAPI_DF2TAO_INVALID_ISRC                          FSI_HR(0xC0AA050B)
#define E_IMAPI_DF2TAO_INVALID_MCN                           FSI_HR(0xC0AA050C)
#define E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED                  FSI_HR(0xC0AA050D)
#define E_IMAPI_DF2TAO_RECORDER_NOT_SUPPORTED                FSI_HR(0xC0AA050E)
#define E_IMAPI_DF2TAO_CLIENT_NAME_IS_NOT_VALID              FSI_HR(0xC0AA050F)
#define E_IMAPI_DF2RAW_WRITE_IN_PROGRESS                     FSI_HR(0xC0AA0600)
#define E_IMAPI_DF2RAW_WRITE_NOT_IN_PROGRESS                 FSI_HR(0xC0AA0601)
#define E_IMAPI_DF2RAW_MEDIA_IS_NOT_PREPARED                 FSI_HR(0xC0AA0602)
#define E_IMAPI_DF2RAW_MEDIA_IS_PREPARED                     FSI_HR(0xC0AA0603)
#define E_IMAPI_DF2RAW_CLIENT_NAME_IS_NOT_VALID              FSI_HR(0xC0AA0604)
#define E_IMAPI_DF2RAW_MEDIA_IS_NOT_BLANK                    FSI_HR(0xC0AA0606)
#define E_IMAPI_DF2RAW_MEDIA_IS_NOT_SUPPORTED                FSI_HR(0xC0AA0607)
#define E_IMAPI_DF2RAW_NOT_ENOUGH_SPACE                      FSI_HR(0xC0AA0609)
#define E_IMAPI_DF2RAW_NO_RECORDER_SPECIFIED                 FSI_HR(0xC0AA060A)
#define E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED                  FSI_HR(0xC0AA060D)
#define E_IMAPI_DF2RAW_DATA_BLOCK_TYPE_NOT_SUPPORTED         FSI_HR(0xC0AA060E)
#define E_IMAPI_DF2RAW_STREAM_LEADIN_TOO_SHORT               FSI_HR(0xC0AA060F)
#define E_IMAPI_DF2RAW_RECORDER_NOT_SUPPORTED                FSI_HR(0xC0AA0610)
#define E_IMAPI_ERASE_RECORDER_IN_USE                        FSI_HR(0x80AA0900)
#define E_IMAPI_ERASE_ONLY_ONE_RECORDER_SUPPORTED            FSI_HR(0x80AA0901)
#define E_IMAPI_ERASE_DISC_INFORMATION_TOO_SMALL             FSI_HR(0x80AA0902)
#define E_IMAPI_ERASE_MODE_PAGE_2A_TOO_SMALL                 FSI_HR(0x80AA0903)
#define E_IMAPI_ERASE_MEDIA_IS_NOT_ERASABLE                  FSI_HR(0x80AA0904)
#define E_IMAPI_ERASE_DRIVE_FAILED_ERASE_COMMAND             FSI_HR(0x80AA0905)
#define E_IMAPI_ERASE_TOOK_LONGER_THAN_ONE_HOUR              FSI_HR(0x80AA0906)
#define E_IMAPI_ERASE_UNEXPECTED_DRIVE_RESPONSE_DURING_ERASE FSI_HR(0x80AA0907)
#define E_IMAPI_ERASE_DRIVE_FAILED_SPINUP_COMMAND            FSI_HR(0x80AA0908)
#define E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED                 FSI_HR(0xC0AA0909)
#define E_IMAPI_ERASE_RECORDER_NOT_SUPPORTED                 FSI_HR(0xC0AA090A)
#define E_IMAPI_ERASE_CLIENT_NAME_IS_NOT_VALID               FSI_HR(0xC0AA090B)
#define E_IMAPI_RAW_IMAGE_IS_READ_ONLY                       FSI_HR(0x80AA0A00)
#define E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS                    FSI_HR(0x80AA0A01)
#define E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED          FSI_HR(0x80AA0A02)
#define E_IMAPI_RAW_IMAGE_NO_TRACKS                          FSI_HR(0x80AA0A03)
#define E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED               FSI_HR(0x80AA0A04)
#define E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE                 FSI_HR(0x80AA0A05)
#define E_IMAPI_RAW_IMAGE_TOO_MANY_TRACK_INDEXES             FSI_HR(0x80AA0A06)
#define E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND              FSI_HR(0x80AA0A07)
#define S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS         FSI_HR(0x00AA0A08)
#define E_IMAPI_RAW_IMAGE_TRACK_INDEX_OFFSET_ZERO_CANNOT_BE_CLEARED FSI_HR(0x80AA0A09)
#define E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX FSI_HR(0x80AA0A0A)

/** Symbolic name of a code ("IMAPI_E_DUP_NAME"), or NULL if unknown. */
FSI_API const char *fsi_error_name(fsi_hresult hr);

/** Message template of a code in our own words, with numbered inserts
 *  written %1, %2, %3 (e.g. "The name '%1' already exists."); NULL if the
 *  code is unknown. */
FSI_API const char *fsi_error_message(fsi_hresult hr);

/** What the inserts of a code are, comma separated ("path",
 *  "path,file system", "" for none); NULL if the code is unknown. */
FSI_API const char *fsi_error_inserts(fsi_hresult hr);

/** Format the message of `hr` into buf (always NUL-terminated if size > 0)
 *  replacing %N with inserts[N-1] (missing inserts print as "?").
 *  Returns the length the full message needs, like snprintf. */
FSI_API size_t fsi_error_format(fsi_hresult hr, char *buf, size_t size,
                                const char *const *inserts, size_t ninserts);

/** Parse "IMAPI_E_DUP_NAME", "0xC0AAB112" or a decimal value into a code
 *  known to the table.  Returns 0 on success, -1 if unknown. */
FSI_API int fsi_error_lookup(const char *text, fsi_hresult *out);

/** Number of codes in the table, and the i-th code (table order). */
FSI_API size_t fsi_error_count(void);
FSI_API fsi_hresult fsi_error_at(size_t i);

/* ------------------------------------------------------------------ */
/* Enumerations (IMAPI values)                                         */
/* ------------------------------------------------------------------ */

/** FsiFileSystems: a bit mask. */
enum {
    FSI_FS_NONE = 0,
    FSI_FS_ISO9660 = 1,
    FSI_FS_JOLIET = 2,
    FSI_FS_UDF = 4,
    FSI_FS_UNKNOWN = 0x40000000
};

/** FsiItemType. */
typedef enum {
    FSI_ITEM_NOT_FOUND = 0,
    FSI_ITEM_DIRECTORY = 1,
    FSI_ITEM_FILE = 2,
    FSI_ITEM_SYMLINK = 3,      /* a symbolic link (kept, not followed) */
    FSI_ITEM_SPECIAL = 4       /* a FIFO, socket, character or block device */
} fsi_item_type;

/* ------------------------------------------------------------------ */
/* The image object (IFileSystemImage) and its tree                    */
/* ------------------------------------------------------------------ */

typedef struct fsi_image fsi_image;

/** Create an empty image: file systems ISO9660+Joliet+UDF, ISO level 3,
 *  UDF 1.02, no size limit.  Returns FSI_E_OUTOFMEMORY on failure. */
FSI_API fsi_hresult fsi_image_new(fsi_image **out);

/** Free an image and everything it owns.  NULL is allowed.  Any result
 *  created from it must have been freed first. */
FSI_API void fsi_image_free(fsi_image *img);

/** Code and formatted message of the last failure on this handle
 *  ("" / FSI_S_OK if none).  The string stays valid until the next failing
 *  call on the handle. */
FSI_API fsi_hresult fsi_image_last_code(const fsi_image *img);
FSI_API const char *fsi_image_last_error(const fsi_image *img);

/* --- Properties --- */

/** FileSystemsToCreate: a mask of FSI_FS_ISO9660|FSI_FS_JOLIET|FSI_FS_UDF.
 *  Joliet needs ISO9660.  Turning ISO9660 on over a tree deeper than 8
 *  levels or with more than 65535 directories fails with
 *  IMAPI_E_ISO9660_LEVELS / IMAPI_E_TOO_MANY_DIRS; other bits are
 *  IMAPI_E_INVALID_PARAM.  FSI_FS_NONE is allowed (creating a result then
 *  fails with IMAPI_E_NO_OUTPUT). */
FSI_API fsi_hresult fsi_image_set_file_systems(fsi_image *img, unsigned fs);
FSI_API unsigned fsi_image_get_file_systems(const fsi_image *img);

/** ISO9660InterchangeLevel: 1, 2 or 3 (default 3). */
FSI_API fsi_hresult fsi_image_set_iso_level(fsi_image *img, int level);
FSI_API int fsi_image_get_iso_level(const fsi_image *img);

/** UDFRevision, encoded as IMAPI does: 0x102, 0x150, 0x200, 0x201, 0x250,
 *  0x260 (default 0x102). */
FSI_API fsi_hresult fsi_image_set_udf_revision(fsi_image *img, int rev);
FSI_API int fsi_image_get_udf_revision(const fsi_image *img);

/** VolumeName: at most 32 characters, no control characters
 *  (IMAPI_E_INVALID_VOLUME_NAME).  NULL or "" restores the default, a name
 *  made from the creation date.  Each file system gets its own form: the
 *  ISO9660 primary descriptor holds it as given when it is printable ASCII
 *  (0x20-0x7E, as xorriso and genisoimage write it, and as blkid, udev's
 *  /dev/disk/by-label and root=live:CDLABEL= read it), else - and always
 *  with fsi_image_set_strict - its d-character translation (upper case,
 *  '_' for the rest); Joliet its first 16 characters; UDF 30/15
 *  characters. */
FSI_API fsi_hresult fsi_image_set_volume_name(fsi_image *img, const char *name);
/** The volume name as set, or NULL if none was set. */
FSI_API const char *fsi_image_get_volume_name(const fsi_image *img);

/** The other identifiers of the ISO9660 primary volume descriptor
 *  (ECMA-119 8.4), each with its field size and character set. */
typedef enum fsi_volume_id {
    FSI_ID_SYSTEM,          /* system identifier: 32 a-characters (default "LINUX") */
    FSI_ID_VOLUME_SET,      /* volume set identifier: 128 d-characters */
    FSI_ID_PUBLISHER,       /* publisher: 128 a-characters */
    FSI_ID_PREPARER,        /* data preparer: 128 a-characters */
    FSI_ID_APPLICATION,     /* application: 128 a-characters (default "LIBFSI <version>") */
    FSI_ID_COPYRIGHT_FILE,  /* copyright file identifier: 37 d-characters, '.', ';' */
    FSI_ID_ABSTRACT_FILE,   /* abstract file identifier: the same */
    FSI_ID_BIBLIO_FILE      /* bibliographic file identifier: the same */
} fsi_volume_id;

/** Set one identifier of the primary descriptor.  Without strict
 *  compliance the text may be any printable ASCII (0x20-0x7E, lower case
 *  included) and is written as given, as genisoimage and xorriso do and as
 *  the volume name is; with fsi_image_set_strict only the field's
 *  ECMA-119 characters are allowed: a-characters (A-Z 0-9 space
 *  !"%&'()*+,-./:;<=>?_) or d-characters (A-Z 0-9 _; the file identifiers
 *  also '.' and ';').  Text longer than the field (in bytes) or with other
 *  characters is IMAPI_E_INVALID_PARAM, the message naming the field and
 *  the text; turning strict on fails the same way while an identifier
 *  set before does not fit.  The Joliet descriptor gets the same text in
 *  UCS-2, cut to its half as many characters; UDF has no place for these
 *  (its own identifiers are left as they are).  NULL restores the default;
 *  "" leaves the field blank.  The file identifiers should name files of
 *  the root directory as the ISO9660 view names them (not checked). */
FSI_API fsi_hresult fsi_image_set_volume_id(fsi_image *img, fsi_volume_id which,
                                            const char *text);
/** What the field will hold: the text as set, or the default ("" for a
 *  blank field); NULL for a bad handle or `which`. */
FSI_API const char *fsi_image_get_volume_id(const fsi_image *img, fsi_volume_id which);

/** Make the image boot from a disk (a USB stick) under BIOS as well as
 *  from a CD, as xorriso -isohybrid-mbr does: block 0 gets an MBR whose
 *  code is the first 432 bytes of `code` (isolinux's isohdpfx.bin; `len`
 *  432 to 512, else IMAPI_E_INVALID_PARAM), followed by the address of the
 *  first boot entry's image in 512-byte sectors (8 bytes at 432, where
 *  that code looks), a disk signature derived from the image's time, and
 *  one bootable partition (type 0x17) from sector 0 over the whole image
 *  (with fsi_image_set_efi_partition, one protective 0xEE partition).
 *  The image is padded with zeros to whole cylinders of 1 MiB (64 heads
 *  of 32 sectors) as isohybrid and xorriso pad it, for BIOSes that want
 *  partitions to end on one (with appended partitions the ISO9660 data,
 *  so that they start on one; not with UDF, whose anchor ends the image;
 *  not under GRUB2's MBR, which xorriso does not pad either).
 *  The first El Torito entry must be a BIOS no-emulation entry whose image
 *  is isolinux.bin with its isohybrid signature (bytes 64-67 FB C0 78 70)
 *  and a boot info table: otherwise creating a result is
 *  IMAPI_E_BOOT_IMAGE_DATA, naming what is missing.  NULL (or len 0)
 *  removes it.  A session image and an appended session write no MBR
 *  (IMAPI_E_BOOT_OBJECT_CONFLICT). */
FSI_API fsi_hresult fsi_image_set_isohybrid_mbr(fsi_image *img, const void *code, size_t len);

/** Make the image boot from a disk under UEFI as well: a GPT (UEFI 2.10
 *  section 5.3) whose one partition, an EFI System Partition, is the image
 *  of the first EFI boot entry (a FAT file system holding
 *  \EFI\BOOT\BOOTX64.EFI), behind a protective MBR (which keeps the
 *  isohybrid code of fsi_image_set_isohybrid_mbr, so BIOSes still start
 *  isolinux).  The GPT takes blocks 0-8 and its backup the image's last 9
 *  blocks.  The partition lies inside the ISO9660 data and no partition
 *  covers the whole ISO (GPT partitions may not overlap).  Without an EFI
 *  boot entry creating a result is IMAPI_E_BOOT_IMAGE_DATA; with UDF,
 *  whose closing anchor must be the image's last block,
 *  IMAPI_E_INVALID_PARAM; in a session IMAPI_E_BOOT_OBJECT_CONFLICT. */
FSI_API fsi_hresult fsi_image_set_efi_partition(fsi_image *img, bool on);

/** Partitions appended after the image: at most FSI_APPENDED_PARTITIONS,
 *  numbered as their slots in the partition table. */
#define FSI_APPENDED_PARTITIONS 4

/** Append the contents of the host file `host_path` after the image as
 *  partition `number` (1-4) of its partition table, as xorriso
 *  -append_partition does: an EFI System Partition (a FAT image that
 *  firmware boots from a disk), or any prepared file system.  It starts
 *  on a 2048-byte block after the ISO9660 data, in number order, and
 *  takes the file's size rounded up to whole blocks.  `type` is the
 *  partition type: an MBR type byte ("0xef"; or "FAT12", "FAT16",
 *  "Linux", "EFI"), or a GPT type GUID, as text ("C12A7328-F81F-11D2-
 *  BA4B-00A0C93EC93B") or as the 32 hex digits of its stored bytes
 *  ("28732ac11ff8d211ba4b00a0c93ec93b").  In a GPT a type byte becomes
 *  the EFI System Partition's GUID for 0xef and Basic Data's otherwise;
 *  in an MBR a GUID becomes 0xef for the ESP's and 0x83 otherwise.
 *  Without a GPT (fsi_image_set_appended_gpt, fsi_image_set_efi_partition)
 *  the MBR lists the partition, and the ISO9660 data as partition 1
 *  unless partition 1 is appended.  A bad number or type is
 *  IMAPI_E_INVALID_PARAM; a file that cannot be opened, is not a regular
 *  file or is empty, IMAPI_E_DATA_STREAM_CREATE_FAILURE naming it; NULL
 *  host_path removes the partition.  The file is
 *  read when a result is made and must keep its size.  Not with UDF
 *  (whose closing anchor must end the image: IMAPI_E_INVALID_PARAM when
 *  a result is made), nor in a session (IMAPI_E_BOOT_OBJECT_CONFLICT). */
FSI_API fsi_hresult fsi_image_append_partition(fsi_image *img, unsigned number,
                                               const char *type, const char *host_path);
/** The host file of appended partition `number`, or NULL. */
FSI_API const char *fsi_image_get_appended_partition(const fsi_image *img, unsigned number);

/** List the appended partitions in a GPT instead of the MBR (xorriso
 *  -appended_part_as_gpt): a protective MBR, and a GPT with the ISO9660
 *  data as partition 1 ("ISO9660", from sector 64 where its volume
 *  descriptors begin, read-only, Basic Data unless
 *  fsi_image_set_iso_partition_type says otherwise) and each appended
 *  partition in its slot.  The backup GPT takes the image's last 9
 *  blocks. */
FSI_API fsi_hresult fsi_image_set_appended_gpt(fsi_image *img, bool on);

/** Write a plain DOS label (xorriso --protective-msdos-label): an MBR
 *  whose partition 1, active, of type 0xcd (unless
 *  fsi_image_set_iso_partition_type says otherwise), covers the ISO9660
 *  data from sector 1 (from the partition offset when there is one),
 *  with whatever fsi_image_set_system_area put before it.  Under an
 *  isohybrid or GRUB2 MBR, or with a GPT, their own entries are written
 *  instead.  In a session IMAPI_E_BOOT_OBJECT_CONFLICT. */
FSI_API fsi_hresult fsi_image_set_msdos_label(fsi_image *img, bool on);

/** Write an Apple Partition Map (xorriso -isohybrid-apm-hfsplus, without
 *  HFS+), from which Intel Macs boot the image from a disk: a Driver
 *  Descriptor Map (signature "ER", 2048-byte blocks) over bytes 0-5 and
 *  8-31 of block 0, which isolinux's and GRUB's hybrid MBR code leave
 *  free, and in blocks 1-2 the map's own entry and "EFI" (Apple_HFS) over
 *  the first EFI boot entry's image.  A GPT's entries then follow the map
 *  (from sector 12).  In a session IMAPI_E_BOOT_OBJECT_CONFLICT. */
FSI_API fsi_hresult fsi_image_set_apm(fsi_image *img, bool on);

/** The partition type of the ISO9660 data's own entry (an MBR byte, by
 *  default as xorriso writes it: 0x17 under MBR code, else 0xcd with a
 *  partition offset, else 0x83; or a GPT GUID), in the text forms of fsi_image_append_partition; NULL
 *  restores the default. */
FSI_API fsi_hresult fsi_image_set_iso_partition_type(fsi_image *img, const char *type);

/** Write the ISO9660 volume a second time as seen from a partition that
 *  starts at block `blocks` (0: none, else 16 to 1024; xorriso
 *  -partition_offset, which live-build, archiso and Ubuntu give as 16):
 *  the partition's own volume descriptors at its block 16, and a copy of
 *  the path tables and ISO9660/Joliet directories whose addresses are
 *  relative to it (file data is shared), so that the partition mounts on
 *  its own as well as the whole image.  The ISO9660 data's partition
 *  entry (MBR partition 1, GPT "ISO9660") starts there.  Other values are
 *  IMAPI_E_INVALID_PARAM; without ISO9660, or with UDF (which has no such
 *  copy), IMAPI_E_INVALID_PARAM when a result is made. */
FSI_API fsi_hresult fsi_image_set_partition_offset(fsi_image *img, uint32_t blocks);
FSI_API uint32_t fsi_image_get_partition_offset(const fsi_image *img);

/** Make sure the MBR has an active (bootable) partition, which some BIOSes
 *  need before they boot a disk (xorriso --mbr-force-bootable): behind a
 *  protective MBR a second entry of type 0 over sector 0, else the first
 *  appended partition when the ISO9660 data has no entry. */
FSI_API fsi_hresult fsi_image_set_mbr_bootable(fsi_image *img, bool on);

/** Like fsi_image_set_isohybrid_mbr for GRUB2's hybrid MBR (boot_hybrid.img
 *  of grub-pc-bin; xorriso --grub2-mbr): its first 432 bytes, followed by
 *  the address of the first boot entry's image in 512-byte sectors plus 4
 *  (where GRUB's core image continues).  The first El Torito entry must
 *  be a BIOS no-emulation entry (GRUB's eltorito.img), else
 *  IMAPI_E_BOOT_IMAGE_DATA when a result is made.  Replaces an isohybrid
 *  MBR and is replaced by one; NULL removes it. */
FSI_API fsi_hresult fsi_image_set_grub2_mbr(fsi_image *img, const void *code, size_t len);

/** Up to 32768 bytes for the system area (blocks 0-15; mkisofs -G): the
 *  image starts with them, and an MBR or GPT asked for by the calls above
 *  is written over them.  More bytes are IMAPI_E_INVALID_PARAM; NULL
 *  removes them. */
FSI_API fsi_hresult fsi_image_set_system_area(fsi_image *img, const void *data, size_t len);

/** The four dates of the ISO9660 and Joliet volume descriptors (ECMA-119
 *  8.4.26-8.4.29). */
typedef enum {
    FSI_VOLUME_CREATED = 0,
    FSI_VOLUME_MODIFIED = 1,
    FSI_VOLUME_EXPIRES = 2,
    FSI_VOLUME_EFFECTIVE = 3
} fsi_volume_date;

/** A date of no value: the field says "not specified". */
#define FSI_DATE_NONE INT64_MIN

/** Set one volume date, in nanoseconds since the epoch (UTC, written to
 *  the hundredth of a second with offset 0), or FSI_DATE_NONE.  By default
 *  creation and modification are the image's time (SOURCE_DATE_EPOCH when
 *  set, else the time the image is made) and the others none.  Linux's
 *  blkid and GRUB take the modification date as the volume's UUID, so a
 *  build that names its own disc by UUID fixes it here (as mkisofs
 *  --modification-date does).  UDF keeps the image's time.  An unknown
 *  `which` is IMAPI_E_INVALID_PARAM. */
FSI_API fsi_hresult fsi_image_set_volume_date(fsi_image *img, fsi_volume_date which,
                                              int64_t ns);

/** Long Joliet names (genisoimage's and xorriso's -joliet-long): up to
 *  103 UCS-2 units per identifier, the '.' and ";1" of a file included,
 *  instead of the specification's 64 characters for name and extension.
 *  Linux, libarchive, 7-Zip and libisofs read them; Windows readers may
 *  not.  Off by default. */
FSI_API fsi_hresult fsi_image_set_joliet_long(fsi_image *img, bool on);
FSI_API bool fsi_image_get_joliet_long(const fsi_image *img);

/** One identifier of a disc's ISO9660 (FSI_FS_ISO9660) or Joliet
 *  (FSI_FS_JOLIET) volume descriptor as UTF-8, trailing blanks removed,
 *  into buf (`size` bytes, at least 1; cut at a character boundary if
 *  short; 3 * 128 + 1 always suffices).  Other fs values are
 *  IMAPI_E_INVALID_PARAM; IMAPI_E_FILE_SYSTEM_NOT_FOUND if absent. */
struct fsi_disc;   /* fsi_disc, below */
FSI_API fsi_hresult fsi_disc_volume_id(struct fsi_disc *disc, unsigned fs, fsi_volume_id which,
                                       char *buf, size_t size);

/** StrictFileSystemCompliance: only while the tree is empty
 *  (IMAPI_E_FILE_SYSTEM_NOT_EMPTY otherwise).  Off by default.  While it
 *  is on, a name with control characters or bytes that are not UTF-8 is
 *  IMAPI_E_INVALID_PATH, as IMAPI has it (by default such names are kept;
 *  see "Names in the tree" above). */
FSI_API fsi_hresult fsi_image_set_strict(fsi_image *img, bool on);
FSI_API bool fsi_image_get_strict(const fsi_image *img);

/** UseRestrictedCharacterSet: names added while it is on may only use
 *  characters 32-126 (IMAPI_E_RESTRICTED_NAME_VIOLATION).  Items already in
 *  the tree are not affected.  Off by default. */
FSI_API fsi_hresult fsi_image_set_restricted_charset(fsi_image *img, bool on);
FSI_API bool fsi_image_get_restricted_charset(const fsi_image *img);

/** FreeMediaBlocks: the most 2048-byte blocks the image may use, 0 (the
 *  default) for no limit.  A limit below the current size fails with
 *  IMAPI_E_IMAGE_TOO_BIG; while a limit is set, an add that would pass it
 *  fails with IMAPI_E_IMAGE_SIZE_LIMIT naming the item and leaves the tree
 *  as it was. */
FSI_API fsi_hresult fsi_image_set_max_blocks(fsi_image *img, uint64_t blocks);
FSI_API uint64_t fsi_image_get_max_blocks(const fsi_image *img);

/** UsedBlocks: the exact size the image would have now, in 2048-byte
 *  blocks (what fsi_result_total_blocks would say). */
FSI_API fsi_hresult fsi_image_used_blocks(fsi_image *img, uint64_t *blocks);

/** Media kinds for ChooseImageDefaultsForMediaType.  The first four are
 *  IMAPI_MEDIA_PHYSICAL_TYPE values (CD-R, DVD+R, DVD+R DL, BD-R); every
 *  other IMAPI CD/DVD/BD value is accepted too and maps to its kind. */
typedef enum {
    FSI_MEDIA_CD = 2,            /* 359,846 blocks; ISO9660+Joliet */
    FSI_MEDIA_DVD = 6,           /* 2,295,104; ISO9660+Joliet+UDF 1.02 */
    FSI_MEDIA_DVD_DL = 8,        /* 4,171,712; ISO9660+Joliet+UDF 1.02 */
    FSI_MEDIA_BD = 18,           /* 12,219,392; ISO9660+Joliet+UDF 2.50 */
    FSI_MEDIA_BD_DL = 0x10012,   /* 24,438,784; as BD */
    FSI_MEDIA_BD_XL = 0x20012    /* 48,878,592 (100 GB); as BD */
} fsi_media;

/** ChooseImageDefaultsForMediaType: set the size limit, the file systems
 *  and the UDF revision that suit a kind of disc (table above).  Fails
 *  with IMAPI_E_IMAGE_TOO_BIG if the tree is already too big for it, and
 *  IMAPI_E_INVALID_PARAM for an unknown kind; on failure nothing changes. */
FSI_API fsi_hresult fsi_image_choose_defaults_for_media(fsi_image *img, fsi_media media);

/** The fsi_media of "cd", "dvd", "dvd-dl", "bd", "bd-dl", "bd-xl", or -1. */
FSI_API int fsi_media_from_name(const char *name);

/** StageFiles: while on, the data of files added (host files, add_tree,
 *  callbacks; memory buffers are copied anyway) is copied at once into a
 *  stash file in the working directory, so later changes or removal of
 *  the source do not affect the image.  With staging a callback is read
 *  completely during fsi_add_file_cb and its free_ctx is called before
 *  that returns.  Off by default; turning it on does not stage files
 *  already added.  Failures: IMAPI_E_STASHFILE_OPEN_FAILURE (cannot create
 *  the stash), IMAPI_E_STASHFILE_WRITE_FAILURE (e.g. disk full), with the
 *  tree and the stash left as they were before that add. */
FSI_API fsi_hresult fsi_image_set_stage_files(fsi_image *img, bool on);
FSI_API bool fsi_image_get_stage_files(const fsi_image *img);

/** WorkingDirectory: where the stash file lives (default $TMPDIR, else
 *  /tmp).  It must exist, be a directory and be writable
 *  (IMAPI_E_INVALID_WORKING_DIRECTORY) and have room for what is staged
 *  (IMAPI_E_WORKING_DIRECTORY_SPACE, with both byte counts); what is
 *  staged moves there (IMAPI_E_STASHFILE_MOVE if that fails; the old
 *  stash stays in use).  Not while a result exists (IMAPI_E_READONLY).
 *  The stash is created unlinked: nothing is left behind, even after a
 *  crash. */
FSI_API fsi_hresult fsi_image_set_working_dir(fsi_image *img, const char *dir);
FSI_API const char *fsi_image_get_working_dir(const fsi_image *img);

/** Import progress (IMAPI's UpdateImport event): the file system being
 *  read, the item being imported (its image path; a directory's ends
 *  with '/'), and directories and files imported so far and in total.
 *  Called once before each directory and once after each file.  The
 *  totals are UINT64_MAX (unknown, IMAPI's -1): import reads each
 *  directory once, so it knows them only at the end.  Return 0 to go on,
 *  anything else to cancel (the import then fails with
 *  E_IMAPI_REQUEST_CANCELLED and adds nothing).  Setting it is allowed at
 *  any time (fn NULL clears it). */
typedef int (*fsi_import_progress_fn)(void *ctx, unsigned file_system, const char *current_item,
                                      uint64_t dirs_done, uint64_t dirs_total,
                                      uint64_t files_done, uint64_t files_total);
FSI_API fsi_hresult fsi_image_set_import_progress(fsi_image *img, fsi_import_progress_fn fn,
                                                  void *ctx);

/** FileCount and DirectoryCount (the root is not counted). */
FSI_API uint64_t fsi_image_file_count(const fsi_image *img);
FSI_API uint64_t fsi_image_dir_count(const fsi_image *img);

/* --- Building the tree --- */

/** Read callback of a file whose data the caller supplies: copy up to
 *  `len` bytes at `offset` into buf and return the number copied (0 at the
 *  end), or -1 on error (set errno).  Called only while a result is being
 *  read or written; it may be called for any offset, in any order. */
typedef int64_t (*fsi_read_fn)(void *ctx, uint64_t offset, void *buf, size_t len);

/** AddDirectory: add one directory at `path`; its parent must exist
 *  (IMAPI_E_DIR_NOT_FOUND) and be a directory (IMAPI_E_NOT_DIR); the name
 *  must be new (IMAPI_E_DUP_NAME) and valid (IMAPI_E_INVALID_PATH). */
FSI_API fsi_hresult fsi_add_dir(fsi_image *img, const char *path);

/** AddFile from a host file, read when the image is written.  The host
 *  file must be a regular file (symlinks followed); its size, times,
 *  owner and permissions are taken now (IMAPI_E_DATA_STREAM_CREATE_FAILURE
 *  if it cannot be opened). */
FSI_API fsi_hresult fsi_add_file(fsi_image *img, const char *path, const char *host_path);

/** AddFile from memory: the `len` bytes at `data` are copied. */
FSI_API fsi_hresult fsi_add_file_mem(fsi_image *img, const char *path,
                                     const void *data, size_t len);

/** AddFile from a read callback with a declared size.  Once the call
 *  succeeds, `free_ctx` (may be NULL) is called with ctx exactly once, when
 *  the item is removed for good or the image is freed; if the call fails,
 *  ctx stays the caller's and free_ctx is never called. */
FSI_API fsi_hresult fsi_add_file_cb(fsi_image *img, const char *path, uint64_t size,
                                    fsi_read_fn read, void *ctx,
                                    void (*free_ctx)(void *ctx));

/** Add a symbolic link at `path` whose target is `target` (1 to 4095
 *  bytes, stored as given; it need not exist).  Rock Ridge and UDF record
 *  it as a link; Joliet and ISO9660 without Rock Ridge leave it out. */
FSI_API fsi_hresult fsi_add_symlink(fsi_image *img, const char *path, const char *target);

/** Add a FIFO, socket, character or block device at `path`: `mode` is its
 *  S_IFMT type (S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK) with permission
 *  bits; `rdev` its device number (makedev(); 0 for FIFOs and sockets).
 *  Another type is IMAPI_E_INVALID_PARAM.  Rock Ridge and UDF record it;
 *  Joliet and ISO9660 without Rock Ridge leave it out. */
FSI_API fsi_hresult fsi_add_special(fsi_image *img, const char *path, uint32_t mode,
                                    uint64_t rdev);

/** AddTree: add the host directory `host_dir` under image directory
 *  `path` (which must exist).  With include_base the directory itself is
 *  added (as path/BASENAME), else only its contents.  Symlinks are
 *  followed (a dangling one is IMAPI_E_DATA_STREAM_CREATE_FAILURE; one
 *  leading to a directory above it, IMAPI_E_DIRECTORY_READ_FAILURE).
 *  Sockets, FIFOs and devices are left out: each is told to the notice
 *  callback, and the call then returns IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED
 *  (a success) with their count in fsi_image_last_error().  Host files
 *  excluded with fsi_image_exclude_host are left out too.  The depth of
 *  the host tree is bounded by memory only (no recursion; a bounded number
 *  of open descriptors; paths beyond PATH_MAX are fine).  Host names are
 *  kept byte for byte, control characters and bytes that are not UTF-8
 *  included (not under StrictFileSystemCompliance: IMAPI_E_INVALID_PATH).
 *  All or nothing: on any error the tree is left as it was. */
FSI_API fsi_hresult fsi_add_tree(fsi_image *img, const char *path,
                                 const char *host_dir, bool include_base);

/** What fsi_add_tree tells as it goes: a host item it left out without
 *  failing.  `code` is IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED for a socket,
 *  FIFO or device node, FSI_S_OK for a file excluded with
 *  fsi_image_exclude_host.  `host_path` is the item's host path as the walk
 *  reached it (raw bytes); `message` a one-line sentence naming it with
 *  control and non-UTF-8 bytes escaped.  Both are valid during the call. */
typedef void (*fsi_notice_fn)(void *ctx, fsi_hresult code, const char *host_path,
                              const char *message);

/** Set (fn NULL: clear) the notice callback of img (see fsi_notice_fn). */
FSI_API fsi_hresult fsi_image_set_notice_callback(fsi_image *img, fsi_notice_fn fn, void *ctx);

/** Leave the host file or directory at host_path (symlinks followed) out
 *  of every later fsi_add_tree, under any name it is reached by: it is
 *  matched by device and inode.  For the image being written when it lies
 *  inside a source tree.  A path that does not exist excludes nothing
 *  (FSI_S_OK); another stat failure is IMAPI_E_INVALID_PARAM. */
FSI_API fsi_hresult fsi_image_exclude_host(fsi_image *img, const char *host_path);

/** Leave out of every later fsi_add_tree each host item whose name, or
 *  whose host path as the walk reaches it, matches the shell pattern
 *  `pattern` (fnmatch(3) with no flags: "*.o", "CVS", "*~"),
 *  as mkisofs -m does.  A directory left out takes its subtree with it.
 *  No notice is given for these.  An empty pattern is
 *  IMAPI_E_INVALID_PARAM. */
FSI_API fsi_hresult fsi_image_exclude_pattern(fsi_image *img, const char *pattern);

/** Remove a file or an empty directory (IMAPI_E_DIR_NOT_EMPTY otherwise). */
FSI_API fsi_hresult fsi_remove(fsi_image *img, const char *path);

/** RemoveTree: remove a directory and everything below it
 *  (IMAPI_E_NOT_DIR for a file).  The root cannot be removed. */
FSI_API fsi_hresult fsi_remove_tree(fsi_image *img, const char *path);

/** Exists: the type of the item at path, FSI_ITEM_NOT_FOUND if none. */
FSI_API fsi_hresult fsi_exists(fsi_image *img, const char *path, fsi_item_type *type);

/* --- Items --- */

/** An item of the tree.  Valid until the item is removed (or rolled back
 *  away); a stale handle may then name another item. */
typedef uint32_t fsi_item;
#define FSI_ROOT ((fsi_item)1)

/** Item at path (IMAPI Item): IMAPI_E_ITEM_NOT_FOUND if none. */
FSI_API fsi_hresult fsi_lookup(fsi_image *img, const char *path, fsi_item *out);

/** What an item is.  `name` points into the image (valid until the item
 *  is removed); it is "" for the root. */
typedef struct {
    fsi_item_type type;
    const char *name;
    size_t name_len;
    uint64_t size;             /* data bytes; 0 for directories */
    struct timespec ctime;     /* CreationTime */
    struct timespec atime;     /* LastAccessedTime */
    struct timespec mtime;     /* LastModifiedTime */
    bool hidden;               /* IsHidden */
    uint32_t mode;             /* POSIX permission bits (07777) */
    uint32_t uid, gid;
    fsi_item parent;           /* 0 for the root */
    uint64_t child_count;      /* directories only */
    uint32_t file_type;        /* S_IFMT bits: S_IFDIR, S_IFREG, S_IFLNK, S_IFIFO, ... */
    const char *link_target;   /* symlinks: the target (NUL-terminated); else "" */
    uint64_t rdev;             /* devices: the device number; else 0 */
} fsi_item_info;

FSI_API fsi_hresult fsi_item_get_info(fsi_image *img, fsi_item item, fsi_item_info *out);

/** Full path of an item ("/a/b"; "/" for the root) into buf; returns the
 *  length needed like snprintf, or 0 if the item is not in the tree. */
FSI_API size_t fsi_item_path(fsi_image *img, fsi_item item, char *buf, size_t size);

/** Children of a directory in a stable order (byte order of their UTF-8
 *  names).  The callback returns 0 to go on, anything else to stop (that
 *  value is returned).  The tree must not be changed from the callback. */
typedef int (*fsi_enum_fn)(void *ctx, fsi_item item, const fsi_item_info *info);
FSI_API fsi_hresult fsi_enum_children(fsi_image *img, const char *path,
                                      fsi_enum_fn fn, void *ctx);

/** Item properties by path.  `which` is one of FSI_TIME_*. */
enum { FSI_TIME_CREATION = 0, FSI_TIME_ACCESS = 1, FSI_TIME_MODIFICATION = 2 };
FSI_API fsi_hresult fsi_set_time(fsi_image *img, const char *path, int which,
                                 struct timespec t);
FSI_API fsi_hresult fsi_set_hidden(fsi_image *img, const char *path, bool hidden);
/** POSIX permission bits (07777, incl. setuid, setgid, sticky) and owner
 *  of an item, as Rock Ridge and UDF record them (bits beyond 07777 are
 *  IMAPI_E_INVALID_PARAM).  Undone by fsi_rollback like other changes. */
FSI_API fsi_hresult fsi_set_mode(fsi_image *img, const char *path, uint32_t mode);
FSI_API fsi_hresult fsi_set_owner(fsi_image *img, const char *path, uint32_t uid, uint32_t gid);

/* --- POSIX fidelity: links, owners, modes (Rock Ridge and UDF) --- */

/** Whether fsi_add_tree follows symlinks (copying what they lead to, as
 *  mkimage --follow-links) instead of keeping them as links (the default).
 *  Kept links may dangle or loop: they are never an error. */
FSI_API fsi_hresult fsi_image_set_follow_links(fsi_image *img, bool on);
FSI_API bool fsi_image_get_follow_links(const fsi_image *img);

/** Whether fsi_add_tree keeps hard links (the default): host files with
 *  one device and inode share one copy of the data in every view and one
 *  UDF File Entry, with their link count in Rock Ridge and UDF.  Off,
 *  each name is stored as a file of its own. */
FSI_API fsi_hresult fsi_image_set_hardlinks(fsi_image *img, bool on);
FSI_API bool fsi_image_get_hardlinks(const fsi_image *img);

/** Owners and modes for distributable media, as `mkisofs -r` writes
 *  them; applied when the image is written (the tree keeps the host's). */
enum {
    FSI_NORMALIZE_OWNERS = 1,  /* uid and gid 0 */
    FSI_NORMALIZE_MODES = 2    /* read for all, execute for all where any
                                  had it (directories always), no write,
                                  no setuid, setgid or sticky bit */
};
FSI_API fsi_hresult fsi_image_set_normalize(fsi_image *img, unsigned flags);
FSI_API unsigned fsi_image_get_normalize(const fsi_image *img);

/** Rock Ridge (RRIP 1.12) in the ISO9660 view: on by default; ignored
 *  without ISO9660. */
FSI_API fsi_hresult fsi_image_set_rock_ridge(fsi_image *img, bool on);
FSI_API bool fsi_image_get_rock_ridge(const fsi_image *img);

/** Relocate directories deeper than ISO9660 allows into /rr_moved (Rock
 *  Ridge CL/PL/RE, as mkisofs -R does) instead of refusing them with
 *  IMAPI_E_ISO9660_LEVELS.  Only the ISO9660 view moves them: a directory
 *  that would lie 7 levels below the root and has children goes to
 *  rr_moved, and Rock Ridge readers show it in its place; Joliet keeps the
 *  tree as deep as it is, UDF has no limit.  Off by default.  Needs Rock
 *  Ridge: turning it on without Rock Ridge (or Rock Ridge off while it is
 *  on) is IMAPI_E_INVALID_PARAM.  A root child named rr_moved is then
 *  IMAPI_E_DUP_NAME at create time. */
FSI_API fsi_hresult fsi_image_set_relocate_deep(fsi_image *img, bool on);
FSI_API bool fsi_image_get_relocate_deep(const fsi_image *img);

/* --- Change points --- */

/** ChangePoint: the number of changes made so far.  Taking a change point
 *  starts recording what changes so that fsi_rollback() can undo it. */
FSI_API fsi_hresult fsi_change_point(fsi_image *img, uint64_t *point);

/** RollbackToChangePoint: undo every change made after `point` (adds,
 *  removes, property changes).  `point` must be one taken with
 *  fsi_change_point() and not older than the last lock-in
 *  (IMAPI_E_INVALID_PARAM).  If the restored tree would break the limits of
 *  the file systems now selected (IMAPI_E_ISO9660_LEVELS,
 *  IMAPI_E_TOO_MANY_DIRS) nothing is undone. */
FSI_API fsi_hresult fsi_rollback(fsi_image *img, uint64_t point);

/** LockInChangePoint: forget the undo record; no rollback before now. */
FSI_API fsi_hresult fsi_lock_in(fsi_image *img);

/* ------------------------------------------------------------------ */
/* Boot options (IBootOptions) and El Torito boot entries              */
/* ------------------------------------------------------------------ */

/** PlatformId: the system a boot entry is for (El Torito platform ID). */
typedef enum {
    FSI_PLATFORM_X86 = 0,          /* PlatformX86: PC BIOS */
    FSI_PLATFORM_POWERPC = 1,      /* PlatformPowerPC */
    FSI_PLATFORM_MAC = 2,          /* PlatformMac */
    FSI_PLATFORM_EFI = 0xEF        /* PlatformEFI: UEFI */
} fsi_platform;

/** EmulationType: what the firmware makes of the boot image. */
typedef enum {
    FSI_EMULATION_NONE = 0,        /* loaded as is (sector count below) */
    FSI_EMULATION_FLOPPY_12 = 1,   /* 1.2 MB floppy: exactly 1228800 bytes */
    FSI_EMULATION_FLOPPY_144 = 2,  /* 1.44 MB floppy: exactly 1474560 bytes */
    FSI_EMULATION_FLOPPY_288 = 3,  /* 2.88 MB floppy: exactly 2949120 bytes */
    FSI_EMULATION_HARD_DISK = 4    /* a disk image: an MBR (55 AA) with
                                      exactly one partition */
} fsi_emulation;

/** IMAPI2FS_BOOT_ENTRY_COUNT_MAX: boot entries an image can have. */
#define FSI_BOOT_ENTRY_COUNT_MAX 32
/** Bytes of the manufacturer/ID string (the ID field of the catalog's
 *  validation entry). */
#define FSI_BOOT_ID_MAX 24

/** Boot options of one El Torito boot entry (IBootOptions).
 *
 *  Ownership: a boot object is reference counted.  fsi_boot_new gives the
 *  caller one reference and fsi_boot_free drops it; an image that holds the
 *  object in its boot entries holds another one (it uses the object itself,
 *  not a copy, like IMAPI's BootImageOptionsArray), so the caller may free
 *  its reference right after fsi_image_add_boot.  While a result built from
 *  an image that uses the object exists, the object is read-only: its
 *  setters fail with IMAPI_E_READONLY.  A boot object belongs to the
 *  thread of the images that use it (the count is not atomic). */
typedef struct fsi_boot fsi_boot;

/** New boot options: platform x86, no emulation, load segment 0 (the BIOS
 *  default 0x07C0), automatic sector count, no ID, no boot info table, no
 *  boot image. */
FSI_API fsi_hresult fsi_boot_new(fsi_boot **out);
/** Drop the caller's reference (NULL is allowed). */
FSI_API void fsi_boot_free(fsi_boot *boot);

/** Code and message of the last failure of a boot setter ("" if none);
 *  valid until the next failing call on the object. */
FSI_API const char *fsi_boot_last_error(const fsi_boot *boot);

/** AssignBootImage.  Each replaces the boot image the object had.  When
 *  the size is known here (host file, memory, callback) and is exactly a
 *  1.2, 1.44 or 2.88 MB floppy, the emulation becomes that floppy type (as
 *  IMAPI does); set the emulation afterwards to override it.
 *  - _file: a host file, opened now to check it (a readable regular file
 *    that is not empty, else IMAPI_E_BOOT_IMAGE_DATA); its size is taken
 *    now, its bytes are read when a result is created (checks, boot info
 *    table checksum) and when the image is written.  It is stored as
 *    hidden data, not as a file of the tree.
 *  - _mem: `len` bytes copied now (len 0: IMAPI_E_BOOT_IMAGE_DATA).
 *  - _cb: a read callback with the declared size (0: IMAPI_E_BOOT_IMAGE_DATA),
 *    called when a result is created and when the image is written
 *    (fsi_read_fn).  Once the call succeeds, free_ctx (may be NULL) is
 *    called with ctx exactly once, when the image is replaced or the object
 *    is freed; if it fails, ctx stays the caller's.
 *  - _path: the file at `image_path` in the tree of the image the object is
 *    added to, looked up when a result is created (a missing, empty or
 *    non-file item is then IMAPI_E_BOOT_IMAGE_DATA).  The file's data is
 *    stored once and shared by the boot entry and every file system. */
FSI_API fsi_hresult fsi_boot_set_image_file(fsi_boot *boot, const char *host_path);
FSI_API fsi_hresult fsi_boot_set_image_mem(fsi_boot *boot, const void *data, size_t len);
FSI_API fsi_hresult fsi_boot_set_image_cb(fsi_boot *boot, uint64_t size, fsi_read_fn read,
                                          void *ctx, void (*free_ctx)(void *ctx));
FSI_API fsi_hresult fsi_boot_set_image_path(fsi_boot *boot, const char *image_path);

/** ImageSize: bytes of the boot image; 0 if there is none or it is a file
 *  of the tree (whose size is known only when a result is created). */
FSI_API uint64_t fsi_boot_get_image_size(const fsi_boot *boot);
/** The image path given to fsi_boot_set_image_path, else NULL. */
FSI_API const char *fsi_boot_get_image_path(const fsi_boot *boot);
/** Load appended partition `number` (1-4, else IMAPI_E_INVALID_PARAM) of
 *  the image this entry is given to (fsi_image_append_partition; xorriso
 *  -e --interval:appended_partition_N:all::): the catalog points at the
 *  partition, whose data the image holds once.  The sector count defaults
 *  to the whole partition (at most 65535).  An image without that
 *  partition is IMAPI_E_BOOT_IMAGE_DATA when a result is made; a boot
 *  info table or GRUB2 address cannot be patched into it
 *  (IMAPI_E_INVALID_PARAM). */
FSI_API fsi_hresult fsi_boot_set_image_partition(fsi_boot *boot, unsigned number);
/** The appended partition the entry loads, or 0. */
FSI_API unsigned fsi_boot_get_image_partition(const fsi_boot *boot);

/** PlatformId: one of fsi_platform (else IMAPI_E_INVALID_PARAM). */
FSI_API fsi_hresult fsi_boot_set_platform(fsi_boot *boot, fsi_platform platform);
FSI_API fsi_platform fsi_boot_get_platform(const fsi_boot *boot);

/** Emulation: one of fsi_emulation (else IMAPI_E_INVALID_PARAM).  A floppy
 *  type whose size differs from the boot image's known size is
 *  IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH; the rest (files of the tree,
 *  the MBR of a hard-disk image) is checked when a result is created. */
FSI_API fsi_hresult fsi_boot_set_emulation(fsi_boot *boot, fsi_emulation emulation);
FSI_API fsi_emulation fsi_boot_get_emulation(const fsi_boot *boot);

/** Load segment of a no-emulation image (0: the BIOS default, 0x07C0). */
FSI_API fsi_hresult fsi_boot_set_load_segment(fsi_boot *boot, uint16_t segment);
FSI_API uint16_t fsi_boot_get_load_segment(const fsi_boot *boot);

/** Sector count: virtual 512-byte sectors the firmware loads.  0 (the
 *  default) is automatic: 4 (2048 bytes, as mkisofs does) for a
 *  no-emulation entry of any platform but EFI; for EFI the image size in
 *  512-byte sectors, at most 65535; 1 for an emulated floppy or disk. */
FSI_API fsi_hresult fsi_boot_set_sector_count(fsi_boot *boot, uint16_t sectors);
FSI_API uint16_t fsi_boot_get_sector_count(const fsi_boot *boot);

/** Manufacturer: the ID string of the entry, at most FSI_BOOT_ID_MAX (24)
 *  bytes of printable ASCII (else IMAPI_E_INVALID_PARAM); NULL or "" for
 *  none.  The first entry's goes into the catalog's validation entry, the
 *  first of each section's into its section header. */
FSI_API fsi_hresult fsi_boot_set_manufacturer(fsi_boot *boot, const char *id);
/** The ID string ("" if none). */
FSI_API const char *fsi_boot_get_manufacturer(const fsi_boot *boot);

/** Boot info table (isolinux style, mkisofs -boot-info-table): when on,
 *  the image's copy of the boot file gets at bytes 8-63 the PVD's block
 *  (16), the file's own block, its length and the 32-bit sum of its
 *  32-bit little-endian words from byte 64 to the end; the source is never
 *  changed, and every file system and fsi_result_read show the patched
 *  copy.  Only for no-emulation entries of at least 64 bytes (checked when
 *  a result is created: IMAPI_E_INVALID_PARAM / IMAPI_E_BOOT_IMAGE_DATA). */
FSI_API fsi_hresult fsi_boot_set_info_table(fsi_boot *boot, bool on);
FSI_API bool fsi_boot_get_info_table(const fsi_boot *boot);

/** Write the entry's own address, in 512-byte sectors plus 5, as 8 bytes
 *  at byte 2548 of its image (xorriso --grub2-boot-info: GRUB2's
 *  eltorito.img finds the rest of its core image by it).  The image must
 *  have at least 2556 bytes and be a no-emulation image, else
 *  IMAPI_E_BOOT_IMAGE_DATA when a result is made.  With a boot info table
 *  too, its checksum covers the patched bytes. */
FSI_API fsi_hresult fsi_boot_set_grub2_info(fsi_boot *boot, bool on);
FSI_API bool fsi_boot_get_grub2_info(const fsi_boot *boot);

/** Append a boot entry to the image (BootImageOptionsArray order: the
 *  first is the catalog's default entry, the others go into sections
 *  grouped by platform).  The image takes a reference (see fsi_boot).
 *  Fails with IMAPI_E_INVALID_PARAM for NULL or a 33rd entry,
 *  IMAPI_E_BOOT_IMAGE_DATA if the object has no boot image,
 *  IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH for a floppy type that does
 *  not fit the known size, IMAPI_E_READONLY while a result exists.  Every
 *  entry is checked again (and files of the tree looked up) when a result
 *  is created. */
FSI_API fsi_hresult fsi_image_add_boot(fsi_image *img, fsi_boot *boot);

/** put_BootImageOptionsArray: replace all boot entries with the `n` given
 *  (n 0: no boot entries).  All or nothing; n > 32 is
 *  IMAPI_E_INVALID_PARAM. */
FSI_API fsi_hresult fsi_image_set_boot_array(fsi_image *img, fsi_boot *const *boots, size_t n);

/** Remove every boot entry (the image drops its references). */
FSI_API fsi_hresult fsi_image_clear_boot(fsi_image *img);

/** Number of boot entries, and entry i (borrowed: valid while it is an
 *  entry of the image; NULL if i is out of range). */
FSI_API size_t fsi_image_boot_count(const fsi_image *img);
FSI_API fsi_boot *fsi_image_get_boot(const fsi_image *img, size_t i);

/** Make the boot catalog visible as a file at `path` in every file system
 *  (like mkisofs -c); NULL or "" hides it again (the default).  The path
 *  is checked when a result is created: its directory must exist and the
 *  name must be new (IMAPI_E_DIR_NOT_FOUND, IMAPI_E_DUP_NAME, ...).  While
 *  a result exists the catalog is an item of the tree (2048 bytes, the
 *  image's time); it goes away with the last result. */
FSI_API fsi_hresult fsi_image_set_boot_catalog(fsi_image *img, const char *path);
/** The catalog path as set, or NULL. */
FSI_API const char *fsi_image_get_boot_catalog(const fsi_image *img);

/* ------------------------------------------------------------------ */
/* The result (IFileSystemImageResult)                                 */
/* ------------------------------------------------------------------ */

typedef struct fsi_result fsi_result;

/** CreateResultImage.  While a result exists the tree is read-only
 *  (IMAPI_E_READONLY).  IMAPI_E_NO_OUTPUT if no file system is selected.
 *  IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED (a success: the result is made)
 *  when symlinks or special files are left out of a view that cannot hold
 *  them (Joliet; ISO9660 without Rock Ridge), their count in
 *  fsi_image_last_error(). */
FSI_API fsi_hresult fsi_create_result(fsi_image *img, fsi_result **out);

/** Release a result; the tree becomes writable again.  NULL is allowed. */
FSI_API void fsi_result_free(fsi_result *res);

/** Block size (2048) and total blocks of the image (of a session image:
 *  up to its end from block 0 of the disc). */
FSI_API uint32_t fsi_result_block_size(const fsi_result *res);
FSI_API uint64_t fsi_result_total_blocks(const fsi_result *res);
/** The first block the result holds: 0, or a session image's next
 *  writable address (its stream holds total - first blocks). */
FSI_API uint64_t fsi_result_first_block(const fsi_result *res);

/** Write the whole image (total blocks x 2048 bytes) to `fd`, from its
 *  current position; `fd` stays open and is not synced.  File data goes
 *  by copy_file_range to a regular file and by splice to a pipe where the
 *  kernel allows it (else, or for small files, through a large buffer);
 *  structures are generated as they are written, never all at once.  Into
 *  a regular file of 16 MiB or more, full buffers are written by a second
 *  thread while the next is made, and every 32 MiB the kernel is asked to
 *  start writing the dirty pages to disk (write-behind: no gigabytes of
 *  dirty pages pile up; the call does not wait for them).  Files of 8 MiB or more start on a
 *  64 KiB boundary of the image when no size limit is set (the padding is
 *  zeros), which lets the kernel copy them faster.
 *  `written` (may be NULL) gets the bytes written, also on failure.
 *  Failures: IMAPI_E_DATA_STREAM_READ_FAILURE (a source cannot be read),
 *  IMAPI_E_DATA_STREAM_INCONSISTENCY (a source file shrank), E_FAIL with
 *  the system error when writing to fd fails. */
FSI_API fsi_hresult fsi_result_write_fd(fsi_result *res, int fd, uint64_t *written);

/** Append the result of an image set up with fsi_image_set_append to the
 *  image: `fd` is that image (the same file), opened O_RDWR without
 *  O_APPEND (else IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED).  Crash-safe: the
 *  session's bytes are written and synced, then its volume descriptors,
 *  then the first blocks readers look at (16 on) are rewritten to the new
 *  session's descriptors and synced; existing data is never rewritten, so
 *  a crash at any moment leaves the old session or the new one, whole.
 *  IMAPI_E_DISC_MISMATCH: the image's size or first 32 blocks changed
 *  since fsi_image_set_append (another writer).  IMAPI_E_IMAGE_SIZE_LIMIT:
 *  the session does not fit on the device.  IMAPI_E_INCOMPATIBLE_PREVIOUS_
 *  SESSION: the image's descriptor set at 16 is shorter than the new one.
 *  On a failure before the new descriptors are written the file gets its
 *  old size back.  Progress and cancellation as fsi_result_write_fd;
 *  `written` (may be NULL) gets the session's bytes written. */
FSI_API fsi_hresult fsi_result_append(fsi_result *res, int fd, uint64_t *written);

/** ImageStream: copy up to `len` bytes of the image at byte `offset` into
 *  buf; `got` gets the bytes copied (less than len only at the end of the
 *  image, 0 at or past it).  Any offset and length, in any order. */
FSI_API fsi_hresult fsi_result_read(fsi_result *res, uint64_t offset, void *buf, size_t len,
                                    size_t *got);

/** How fsi_result_write_fd moves file data.  All give identical bytes; a
 *  method the kernel refuses for a descriptor (EXDEV, EINVAL, ENOSYS,
 *  EOPNOTSUPP) falls back to read/write. */
typedef enum {
    FSI_COPY_AUTO = 0,        /* copy_file_range to files, splice to pipes,
                                 read/write for small files and the rest */
    FSI_COPY_READ_WRITE = 1,  /* read into a buffer, write it out */
    FSI_COPY_RANGE = 2,       /* copy_file_range for every host file */
    FSI_COPY_SPLICE = 3       /* splice for every host file (pipes only) */
} fsi_copy_method;

/** Choose the copy method (default FSI_COPY_AUTO); IMAPI_E_INVALID_PARAM
 *  for an unknown value. */
FSI_API fsi_hresult fsi_result_set_copy_method(fsi_result *res, fsi_copy_method method);

/** Progress of fsi_result_write_fd (IMAPI's Update event): called when
 *  each file's data starts (current_file = its image path), about every
 *  MiB, and once at the end (current_file NULL).  `current_file` is valid
 *  only during the call.  Return 0 to go on; anything else cancels the
 *  write, which then fails with E_IMAPI_REQUEST_CANCELLED (the caller
 *  removes what was written; mkimage does). */
typedef int (*fsi_progress_fn)(void *ctx, const char *current_file,
                               uint64_t copied_blocks, uint64_t total_blocks);

/** Set (or with fn NULL, clear) the progress callback of a result. */
FSI_API fsi_hresult fsi_result_set_progress(fsi_result *res, fsi_progress_fn fn, void *ctx);


/* ------------------------------------------------------------------ */
/* Existing images: the disc (IIsoImageManager, import, listing)       */
/* ------------------------------------------------------------------ */

/** An existing image to read: what IMAPI calls the disc (import source)
 *  and what IIsoImageManager checks.  Made from a path (SetPath), an open
 *  descriptor or a read callback (SetStream).  The bytes are untrusted:
 *  every structure is checked before it is used, and a malformed one is
 *  IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR naming the structure, its
 *  block and what is wrong; never a crash, a hang or unbounded memory.
 *
 *  Ownership: reference counted like fsi_boot.  fsi_disc_open* give the
 *  caller one reference, fsi_disc_free drops it; an image that imported
 *  items from the disc holds another until the image is freed (their data
 *  is read from the disc when a result is written, so the image file must
 *  stay as it is until then).  One thread at a time. */
typedef struct fsi_disc fsi_disc;

/** A disc with no image yet (MsftIsoImageManager). */
FSI_API fsi_hresult fsi_disc_new(fsi_disc **out);
/** SetPath: read the image file (or block device) at `path`, read-only;
 *  it replaces what the disc read before.  NULL or "" is
 *  IMAPI_E_IMAGEMANAGER_NO_IMAGE; a path that cannot be opened (or is a
 *  pipe or a directory) is IMAPI_E_IMPORT_READ_FAILURE with the system
 *  error, recorded on the disc.  Nothing is checked yet: fsi_disc_validate
 *  does that. */
FSI_API fsi_hresult fsi_disc_set_path(fsi_disc *disc, const char *path);
/** The same on an open descriptor (duplicated: the caller keeps `fd`). */
FSI_API fsi_hresult fsi_disc_set_fd(fsi_disc *disc, int fd);
/** SetStream: an image of `size` bytes read through a callback (see
 *  fsi_read_fn; any offset, any order).  free_ctx (may be NULL) is called
 *  with ctx once, when the stream is replaced or the disc freed. */
FSI_API fsi_hresult fsi_disc_set_stream(fsi_disc *disc, uint64_t size, fsi_read_fn read,
                                        void *ctx, void (*free_ctx)(void *ctx));
/** fsi_disc_new + fsi_disc_set_path / _set_stream in one call; on failure
 *  *out is NULL (use the two calls to get the message). */
FSI_API fsi_hresult fsi_disc_open(const char *path, fsi_disc **out);
FSI_API fsi_hresult fsi_disc_open_stream(uint64_t size, fsi_read_fn read, void *ctx,
                                         void (*free_ctx)(void *ctx), fsi_disc **out);
/** Drop the caller's reference (NULL is allowed). */
FSI_API void fsi_disc_free(fsi_disc *disc);

/** Code and message of the disc's last failure ("" / FSI_S_OK if none). */
FSI_API fsi_hresult fsi_disc_last_code(const fsi_disc *disc);
FSI_API const char *fsi_disc_last_error(const fsi_disc *disc);

/** Path given to fsi_disc_set_path (NULL for a descriptor or a stream), and
 *  size in bytes. */
FSI_API const char *fsi_disc_path(const fsi_disc *disc);
FSI_API uint64_t fsi_disc_size(const fsi_disc *disc);

/** Validate (IIsoImageManager): the size is a multiple of 2048
 *  (IMAPI_E_IMAGEMANAGER_IMAGE_NOT_ALIGNED), at most 2^31 - 1 blocks
 *  (IMAPI_E_IMAGEMANAGER_IMAGE_TOO_BIG), and a volume recognition
 *  sequence with at least one valid ISO9660 or UDF descriptor starts at
 *  block 16 (IMAPI_E_IMAGEMANAGER_NO_VALID_VD_FOUND).  A disc with no
 *  path or stream is IMAPI_E_IMAGEMANAGER_NO_IMAGE. */
FSI_API fsi_hresult fsi_disc_validate(fsi_disc *disc);

/** IdentifyFileSystemsOnDisc: the file systems of the last session, a
 *  mask of FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF.  An empty or
 *  all-zero image is IMAPI_E_EMPTY_DISC; one with nothing we know
 *  succeeds with FSI_FS_UNKNOWN. */
FSI_API fsi_hresult fsi_disc_identify(fsi_disc *disc, unsigned *fs);

/** GetDefaultFileSystemForImport: the one file system of `fs` that import
 *  takes by default: UDF, else ISO9660 (with Rock Ridge when present: it
 *  holds more than Joliet), else Joliet.  FSI_FS_NONE if `fs` has none of
 *  them. */
FSI_API unsigned fsi_default_fs_for_import(unsigned fs);

/** The file system import takes by default from this disc: UDF, else
 *  ISO9660 when it has Rock Ridge, else Joliet, else ISO9660.  Failures as
 *  fsi_disc_identify, and IMAPI_E_NO_SUPPORTED_FILE_SYSTEM when it holds
 *  none of them. */
FSI_API fsi_hresult fsi_disc_default_fs(fsi_disc *disc, unsigned *fs);

/** What one file system of the disc says about its volume. */
typedef struct {
    unsigned fs;                  /* the FSI_FS_* bit */
    char volume_name[128];        /* UTF-8, trailing blanks removed */
    char system_id[128], volume_set[256], publisher[256], preparer[256], application[256];
    int level;                    /* ISO9660: interchange level seen (1-3);
                                     Joliet: 1-3 (escape sequence);
                                     UDF: revision, 0x102 ... 0x260 */
    bool rock_ridge;              /* ISO9660: Rock Ridge (SUSP SP + ER) present */
    bool iso9660_1999;            /* ISO9660: an enhanced (version 2) descriptor too */
    uint64_t blocks;              /* volume space size (ISO9660/Joliet) or
                                     partition end (UDF), 2048-byte blocks */
    uint64_t descriptor_block;    /* block of its primary descriptor */
    uint64_t root_block;          /* block of the root directory (UDF: its File Entry) */
    struct timespec created, modified;
    bool has_created, has_modified;
} fsi_volume_info;

/** Volume facts of one file system (a single FSI_FS_* bit; else
 *  IMAPI_E_INVALID_PARAM); IMAPI_E_FILE_SYSTEM_NOT_FOUND if absent. */
FSI_API fsi_hresult fsi_disc_volume_info(fsi_disc *disc, unsigned fs, fsi_volume_info *out);

/** Sessions found: a session is a descriptor set (ISO9660 at start + 16);
 *  the first one at block 0, each next one where the one before ends.
 *  `starts` gets up to `max` session start blocks in disc order; the
 *  count found is returned in *count (it may exceed max). */
FSI_API fsi_hresult fsi_disc_sessions(fsi_disc *disc, uint64_t *starts, size_t max,
                                      size_t *count);

/** The session the disc's readers read (walks, identify, import, verify):
 *  n counts from 1 (the first); 0, the default, is the last, as a drive's
 *  table of contents gives it.  IMAPI_E_INVALID_PARAM when the disc holds
 *  fewer than n sessions. */
FSI_API fsi_hresult fsi_disc_set_session(fsi_disc *disc, size_t n);

/** One El Torito boot entry of the disc. */
typedef struct {
    fsi_platform platform;
    fsi_emulation emulation;
    bool bootable;                /* boot indicator 0x88 */
    bool is_default;              /* the catalog's initial/default entry */
    uint16_t load_segment;        /* 0: the BIOS default 0x07C0 */
    uint16_t sector_count;        /* 512-byte virtual sectors loaded */
    uint32_t load_block;          /* the boot image's first block */
    uint8_t system_type;          /* partition type byte (hard-disk emulation) */
    char id[32];                  /* section or validation ID string */
} fsi_disc_boot_entry;

/** El Torito: the boot catalog's block (0 if the disc has no boot record)
 *  and its entries.  Up to `max` entries go to `out`; *count gets how
 *  many there are.  A malformed catalog is
 *  IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR. */
FSI_API fsi_hresult fsi_disc_boot_entries(fsi_disc *disc, uint32_t *catalog_block,
                                          fsi_disc_boot_entry *out, size_t max, size_t *count);

/* --- Walking a file system of the disc --- */

/** Kinds of entries an image can hold. */
typedef enum {
    FSI_ENTRY_FILE = 1,
    FSI_ENTRY_DIRECTORY = 2,
    FSI_ENTRY_SYMLINK = 3,
    FSI_ENTRY_CHAR_DEVICE = 4,
    FSI_ENTRY_BLOCK_DEVICE = 5,
    FSI_ENTRY_FIFO = 6,
    FSI_ENTRY_SOCKET = 7
} fsi_entry_type;

/** A byte range of the disc holding part of a file's data, in file
 *  order.  offset FSI_EXTENT_HOLE: `length` bytes of zeros (UDF extents
 *  not recorded). */
typedef struct {
    uint64_t offset;
    uint64_t length;
} fsi_extent;
#define FSI_EXTENT_HOLE UINT64_MAX

/** Which optional fields of an entry are set. */
enum {
    FSI_HAS_MODE = 1,        /* mode (from Rock Ridge PX or UDF permissions) */
    FSI_HAS_OWNER = 2,       /* uid, gid */
    FSI_HAS_MTIME = 4,
    FSI_HAS_ATIME = 8,
    FSI_HAS_CTIME = 16,      /* attribute (status) change */
    FSI_HAS_BTIME = 32,      /* creation */
    FSI_HAS_NLINK = 64,
    FSI_HAS_RDEV = 128
};

/** An entry of a file system, as its view holds it.  Every pointer is
 *  valid only during the callback that gets it. */
typedef struct {
    const char *path;             /* "/a/b" (the root is "/") */
    size_t path_len;
    const char *name;             /* the last component; "" for the root.
                                     Bytes as the image holds them after
                                     decoding (Joliet UCS-2 and UDF CS0 to
                                     UTF-8, ISO9660 without ";1"): from a
                                     hostile image it may be "..", hold '/'
                                     or other bytes; see fsi_name_is_safe */
    size_t name_len;
    fsi_entry_type type;
    unsigned has;                 /* FSI_HAS_* */
    uint64_t size;                /* bytes of data (symlinks: of the target) */
    uint32_t mode;                /* permission bits 07777 (FSI_HAS_MODE) */
    uint32_t uid, gid;            /* FSI_HAS_OWNER */
    uint32_t nlink;               /* FSI_HAS_NLINK */
    uint32_t rdev_major, rdev_minor; /* devices (FSI_HAS_RDEV) */
    struct timespec mtime, atime, ctime, btime;
    bool hidden;                  /* ISO9660/Joliet existence bit; UDF hidden */
    const char *link_target;      /* symlinks: the target, else NULL */
    size_t link_target_len;
    const fsi_extent *extents;    /* the data, in file order */
    size_t nextents;
    uint64_t first_block;         /* block of the first byte of data (of the
                                     UDF File Entry when the data is inside
                                     it); 0 when there is no data */
    unsigned depth;               /* components below the root (root 0) */
    /* UDF: its File Entry as its File Identifier Descriptor names it
     * (logical block and partition reference) and its Unique ID; 0 in the
     * other views and for the root. */
    uint32_t udf_icb_block;
    uint16_t udf_icb_partition;
    uint64_t udf_unique_id;
} fsi_disc_entry;

/** Walk flags. */
enum {
    FSI_WALK_RECURSIVE = 1,       /* descend into every directory */
    FSI_WALK_NO_ROCK_RIDGE = 2,   /* ISO9660: ignore Rock Ridge (plain names) */
    FSI_WALK_SELF = 4             /* report the starting directory itself first */
};

/** Return 0 to go on; anything else stops the walk (returned as is). */
typedef int (*fsi_disc_walk_fn)(void *ctx, const fsi_disc_entry *entry);

/** Walk file system `fs` (one FSI_FS_* bit, or FSI_FS_NONE for the import
 *  default) of the disc's last session from directory `path` (NULL or "/"
 *  for the root; a file is reported alone).  Entries come a directory at
 *  a time, in the order the directory holds them; with FSI_WALK_RECURSIVE
 *  the subdirectories of a directory follow it, in that order (as ls -R).
 *  Directory loops and excessive depth are
 *  IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR; a missing path
 *  IMAPI_E_ITEM_NOT_FOUND. */
FSI_API fsi_hresult fsi_disc_walk(fsi_disc *disc, unsigned fs, const char *path, unsigned flags,
                                  fsi_disc_walk_fn fn, void *ctx);

/** Read up to `len` bytes of an entry's data at `offset` (holes read as
 *  zeros); *got gets the bytes copied, less than len only at the end of
 *  the data.  IMAPI_E_IMPORT_READ_FAILURE / _SEEK_FAILURE on a failing or
 *  short read of the disc. */
FSI_API fsi_hresult fsi_disc_read(fsi_disc *disc, const fsi_extent *extents, size_t nextents,
                                  uint64_t offset, void *buf, size_t len, size_t *got);

/** The descriptor the disc reads from (-1 for a stream): for zero-copy
 *  extraction with the extents' byte offsets. */
FSI_API int fsi_disc_fd(const fsi_disc *disc);

/** Whether a name from an image is safe to create inside a directory:
 *  not empty, ".", "..", and no '/' or NUL. */
FSI_API bool fsi_name_is_safe(const char *name, size_t len);

/* --- Verify --- */

/** Severity of a finding of fsi_disc_verify. */
enum { FSI_FINDING_WARNING = 1, FSI_FINDING_ERROR = 2 };

/** Called for each finding: its severity, the file system ("ISO9660",
 *  "Joliet", "Rock Ridge", "UDF", "El Torito", "image"), the block it is
 *  about (0 if none) and a one-line message. */
typedef void (*fsi_verify_fn)(void *ctx, int severity, const char *fsname, uint64_t block,
                              const char *message);

/** Deep check of a disc: the image manager's checks, then every
 *  descriptor's tag, checksum and CRC, every directory, extents inside the
 *  image and not shared by two files unless on purpose, ISO9660, Joliet
 *  and UDF listing the same files with the same sizes and data, path
 *  tables against directories, UDF integrity counts and unique IDs, no
 *  loops.  An error is what makes a reader get something wrong; a warning
 *  a deviation readers tolerate.  *errors and *warnings (may be NULL) get
 *  the counts.  Returns FSI_S_OK when the check ran (whatever it found),
 *  or a failure that stopped it (read errors, memory). */
FSI_API fsi_hresult fsi_disc_verify(fsi_disc *disc, fsi_verify_fn fn, void *ctx,
                                    uint64_t *errors, uint64_t *warnings);

/* --- Import (ImportFileSystem, ImportSpecificFileSystem) --- */

/** Import file system `fs` of the disc's last session into the image's
 *  tree: FSI_FS_NONE takes the default (fsi_default_fs_for_import of what
 *  is there; IMAPI_E_NO_SUPPORTED_FILE_SYSTEM if nothing), else one
 *  FSI_FS_* bit (IMAPI_E_FILE_SYSTEM_NOT_FOUND if absent).  flags:
 *  FSI_WALK_NO_ROCK_RIDGE.  *imported (may be NULL) gets the file system
 *  taken.  Imported files keep their data where it is on the disc (read
 *  when a result is written; the image holds a reference to the disc),
 *  with their times, hidden flag, and from Rock Ridge or UDF their modes
 *  and owners.  Items already in the tree win over imported ones of the
 *  same path and type; a file where the tree has a directory is
 *  IMAPI_E_IMPORT_TYPE_COLLISION_FILE_EXISTS_AS_DIRECTORY, the reverse
 *  _DIRECTORY_EXISTS_AS_FILE.  The import progress callback is called
 *  once before each directory and after each file; cancelling gives
 *  E_IMAPI_REQUEST_CANCELLED.  All or nothing: on any failure the tree is
 *  left as it was.  Sets the imported volume name. */
/** IMultisessionSequential: make the result a session image for
 *  write-once media (what mkisofs -M/-C make).  `previous` is the disc
 *  holding the previous session (import its tree with fsi_import, before
 *  or after this call), `nwa` the next writable address (a block).  The
 *  result then holds only the new session: its bytes go at block `nwa`
 *  of the disc, its volume descriptors at nwa + 16 and every block number
 *  in it counted from the start of the disc, and files imported from
 *  `previous` whose data is one block-aligned extent below `nwa` keep
 *  their blocks instead of being copied (others are copied into the new
 *  session).  fsi_result_total_blocks counts from block 0 (the disc as a
 *  whole, against the media limits); the stream holds total - nwa blocks.
 *  `nwa` 0 or not above the previous session's data, or past what
 *  32-bit block numbers address, is IMAPI_E_BAD_MULTISESSION_PARAMETER
 *  (when the result is made, naming the file that lies past it).  The
 *  session has the previous one's file systems (fsi_image_set_file_systems
 *  otherwise: IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED).  The session keeps
 *  the previous session's El Torito boot record (its catalog and boot
 *  images stay where they are); boot entries added to img are
 *  IMAPI_E_BOOT_OBJECT_CONFLICT.  With UDF the session has a complete UDF
 *  volume (anchor at nwa + 256) of the previous one's revision (else
 *  IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED) whose partition starts where
 *  the previous one's does, so that kept files stay addressable (1.02-2.01:
 *  the File Entries of imported files that did not change are kept too,
 *  the new directories pointing at them); a UDF
 *  volume that cannot be continued (virtual or sparable partitions) is
 *  IMAPI_E_UDF_NOT_WRITE_COMPATIBLE, one without ISO9660 (sessions are
 *  found through ISO9660 descriptors) IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION.
 *  `previous` NULL turns it off.
 *  The disc must outlive the image. */
FSI_API fsi_hresult fsi_image_set_multisession(fsi_image *img, fsi_disc *previous, uint64_t nwa);
/** The next writable address set, or 0 (no session image). */
FSI_API uint64_t fsi_image_get_multisession(const fsi_image *img, fsi_disc **previous);

/** IMultisessionRandomWrite: make the result a session appended in place
 *  to `disc`, an image file or a block device read through a path or a
 *  descriptor (rewritable media; a stream, pipe or other kind:
 *  IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED).  Import its tree with fsi_import
 *  (before or after); fsi_result_append then writes the session.  The
 *  session starts after all the file holds (on a device after its last
 *  session), on a 16-block boundary, and is a session image as
 *  fsi_image_set_multisession makes them (same file systems, imported
 *  files keep their blocks).  Its ISO9660 primary descriptor carries a
 *  mark in its Application Use field saying where the sessions are, so
 *  fsi_disc_sessions lists them all and each stays readable
 *  (fsi_disc_set_session).  IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION: the
 *  disc has no ISO9660 descriptors at block 16 or is not whole blocks,
 *  or it has a partition offset (fsi_image_set_partition_offset: that
 *  partition's own volume would not show the session).  With UDF, the
 *  anchor at 256 is rewritten along with the head.  Its El Torito boot
 *  record is kept (so it boots as before);
 *  IMAPI_E_BOOT_OBJECT_CONFLICT (when the result is made): boot entries
 *  were added to img.  A hybrid image's partition tables follow its new
 *  end, last, once the session is complete: the MBR's entry over the
 *  ISO9660 data (when no partition follows it) and a protective entry
 *  grow; a GPT's backup moves to the session's end (its last blocks),
 *  its primary header says so, and its ISO9660 entry grows likewise (not
 *  with UDF in the session, whose anchor must end the image: the GPT then
 *  stays as it was).  `disc` NULL turns it off.  The disc must outlive
 *  the image. */
FSI_API fsi_hresult fsi_image_set_append(fsi_image *img, fsi_disc *disc);

FSI_API fsi_hresult fsi_import(fsi_image *img, fsi_disc *disc, unsigned fs, unsigned flags,
                               unsigned *imported);

/** Leave the item at `path` of the disc (a directory with all below it)
 *  out of the next fsi_import: how an appended session drops an item
 *  (mkimage append --remove).  Paths as in the tree ("a/b" = "/a/b");
 *  the root is IMAPI_E_INVALID_PATH.  That import fails with
 *  IMAPI_E_ITEM_NOT_FOUND, importing nothing, if a path names no item of
 *  the file system it reads, and clears the list when it has walked the
 *  disc. */
FSI_API fsi_hresult fsi_import_exclude(fsi_image *img, const char *path);

/** ImportedVolumeName: the volume name of the last import, NULL if none. */
FSI_API const char *fsi_image_get_imported_volume_name(const fsi_image *img);


/* ------------------------------------------------------------------ */
/* Raw CD images (IRawCDImageCreator, IRawCDImageTrackInfo)            */
/* ------------------------------------------------------------------ */

/** A Disc-at-Once CD image: audio tracks (and one mode 1 data track
 *  first, for a mixed-mode disc), written as a cue sheet with its BIN, a
 *  cdrdao TOC file, or IMAPI's raw stream with P-W subcode.
 *
 *  Addresses are LBAs: LBA 0 is MSF 00:02:00, the start of the program
 *  area; track 1's pregap is LBA -150..-1.  Lengths are sectors of 2352
 *  bytes (588 stereo samples of 16 bits at 44.1 kHz for audio, 2048 bytes
 *  of user data for mode 1).  The layout:
 *   - track 1 starts at LBA 0 after its 150-sector pregap, or after the
 *     special pregap (hidden track one audio) of P sectors at
 *     LBA -150..P-151, so it starts at P-150;
 *   - between two audio tracks a pregap (index 0) of 150 sectors of
 *     silence, or with fsi_rawcd_set_gapless no silence: the previous
 *     track's last 150 sectors are the next one's index 0 (IMAPI's
 *     gapless audio), so the previous track's SectorCount is 150 less;
 *   - after a data track: a 150-sector postgap of mode 1 sectors of zeros
 *     (part of the data track) and a 150-sector pregap of silence before
 *     the first audio track (the Yellow Book's mode change; cdrdao asks
 *     the same), whatever the gapless setting;
 *   - the lead-out starts after the last track; StartOfLeadout is its LBA.
 *  Rules (IMAPI's): 1 to 99 tracks numbered from the starting track number
 *  (E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS); each track at least 300 sectors
 *  (4 s; IMAPI_E_INVALID_PARAM), a special pregap at least 150; a partial
 *  last sector is padded with zeros; the start of the lead-out at most the
 *  limit (E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE).  A data track only as
 *  the first track, only one, with starting track number 1 and no special
 *  pregap; every other sector type is
 *  E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED.
 *
 *  After fsi_rawcd_create_result the object is read-only: every setter
 *  and adder returns E_IMAPI_RAW_IMAGE_IS_READ_ONLY; getters and the
 *  outputs work.  One thread at a time per object. */
typedef struct fsi_rawcd fsi_rawcd;

/** IMAPI_CD_SECTOR_TYPE. */
typedef enum {
    FSI_CD_SECTOR_AUDIO = 0,
    FSI_CD_SECTOR_MODE_ZERO = 1,
    FSI_CD_SECTOR_MODE1 = 2,
    FSI_CD_SECTOR_MODE2FORM0 = 3,
    FSI_CD_SECTOR_MODE2FORM1 = 4,
    FSI_CD_SECTOR_MODE2FORM2 = 5,
    FSI_CD_SECTOR_MODE1RAW = 6,
    FSI_CD_SECTOR_MODE2FORM0RAW = 7,
    FSI_CD_SECTOR_MODE2FORM1RAW = 8,
    FSI_CD_SECTOR_MODE2FORM2RAW = 9
} fsi_cd_sector_type;

/** IMAPI_CD_TRACK_DIGITAL_COPY_SETTING. */
typedef enum {
    FSI_CD_COPY_PERMITTED = 0,   /* the Q control's copy bit set (cue FLAGS DCP) */
    FSI_CD_COPY_PROHIBITED = 1,  /* copy bit clear */
    FSI_CD_COPY_SCMS = 2         /* copy bit alternating every 4 frames (a copy of a copy) */
} fsi_cd_copy;

/** IMAPI_FORMAT2_RAW_CD_DATA_SECTOR_TYPE: the raw stream's 96 subcode bytes. */
typedef enum {
    FSI_RAWCD_SUBCODE_PQ_ONLY = 1,   /* P and Q only (R-W zero) */
    FSI_RAWCD_SUBCODE_IS_COOKED = 2, /* P-W de-interleaved: 96 bytes, one bit of
                                        each of P..W per byte (the default) */
    FSI_RAWCD_SUBCODE_IS_RAW = 3     /* as read from the disc surface: R-W as
                                        the R-W source gives it, P and Q as
                                        IS_COOKED; with CD-Text (which would
                                        need interleaving) creating the
                                        result is IMAPI_E_INVALID_PARAM */
} fsi_rawcd_subcode;

#define FSI_CD_SECTOR_BYTES 2352
#define FSI_CD_RAW_SECTOR_BYTES 2448       /* 2352 + 96 bytes of P-W */
#define FSI_CD_RAW_FIRST_LBA (-22650)      /* MSF 95:00:00, where the raw stream starts */
#define FSI_CD_LEADOUT_SECTORS 6750        /* the raw stream's lead-out: 90 s, the Red Book minimum */
#define FSI_CD_DEFAULT_LEADOUT_LIMIT 359849 /* lead-out at MSF 79:59:74 (an 80-minute CD-R) */

/** New empty raw CD image: starting track number 1, 2-second gaps,
 *  lead-out limit FSI_CD_DEFAULT_LEADOUT_LIMIT, subcode IS_COOKED.
 *  FSI_E_OUTOFMEMORY on failure. */
FSI_API fsi_hresult fsi_rawcd_new(fsi_rawcd **out);
/** Free it with everything it owns (NULL allowed); callback contexts get
 *  their free_ctx call here. */
FSI_API void fsi_rawcd_free(fsi_rawcd *cd);
/** Code and message of the last failure ("" / FSI_S_OK if none); valid
 *  until the next failing call on the object. */
FSI_API fsi_hresult fsi_rawcd_last_code(const fsi_rawcd *cd);
FSI_API const char *fsi_rawcd_last_error(const fsi_rawcd *cd);

/** AddTrack from a host file.  Audio: a WAV file (RIFF/WAVE, PCM, 16-bit,
 *  44.1 kHz, 2 channels; anything else is E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED
 *  naming the file and its format), or raw little-endian 16-bit stereo
 *  PCM when the file does not start with "RIFF" (.pcm, .cdda).  Mode 1:
 *  2048-byte sectors (an ISO image).  The file is read again when an
 *  output is written (IMAPI_E_DATA_STREAM_INCONSISTENCY if its size
 *  changed).  Cannot open: IMAPI_E_DATA_STREAM_CREATE_FAILURE.
 *  *track_index (may be NULL) gets the new track's index, 1..99. */
FSI_API fsi_hresult fsi_rawcd_add_track_file(fsi_rawcd *cd, fsi_cd_sector_type type,
                                             const char *host_path, int *track_index);
/** AddTrack from memory: the `len` bytes at `data` (PCM or 2048-byte
 *  sectors, no WAV header) are copied. */
FSI_API fsi_hresult fsi_rawcd_add_track_mem(fsi_rawcd *cd, fsi_cd_sector_type type,
                                            const void *data, size_t len, int *track_index);
/** AddTrack from a read callback of `size` bytes (see fsi_read_fn).  Once
 *  the call succeeds free_ctx (may be NULL) is called with ctx once, when
 *  the object is freed; on failure ctx stays the caller's. */
FSI_API fsi_hresult fsi_rawcd_add_track_cb(fsi_rawcd *cd, fsi_cd_sector_type type,
                                           uint64_t size, fsi_read_fn read, void *ctx,
                                           void (*free_ctx)(void *ctx), int *track_index);

/** AddSpecialPregap: audio before track 1's index 1 (hidden track one
 *  audio), at least 150 sectors; only before any track is added
 *  (E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED), once.  Sources as for tracks
 *  (audio only). */
FSI_API fsi_hresult fsi_rawcd_add_special_pregap_file(fsi_rawcd *cd, const char *host_path);
FSI_API fsi_hresult fsi_rawcd_add_special_pregap_mem(fsi_rawcd *cd, const void *data, size_t len);
FSI_API fsi_hresult fsi_rawcd_add_special_pregap_cb(fsi_rawcd *cd, uint64_t size,
                                                    fsi_read_fn read, void *ctx,
                                                    void (*free_ctx)(void *ctx));

/** AddSubcodeRWGenerator: the R-W subcode of the raw stream, read through
 *  `read` at offset 96 * (sector - FSI_CD_RAW_FIRST_LBA) for each sector
 *  of the raw stream (fsi_rawcd_raw_sectors of them), 96 bytes whose two
 *  high bits are zero (they are P and Q; a set one is
 *  IMAPI_E_DATA_STREAM_INCONSISTENCY when the sector is made, a short read
 *  IMAPI_E_DATA_STREAM_READ_FAILURE).  It replaces the CD-Text R-W.
 *  Refused with the PQ_ONLY image type (IMAPI_E_INVALID_PARAM), and
 *  setting PQ_ONLY afterwards is refused too.  free_ctx as for tracks.
 *  Sources of tracks stay open between reads of fsi_rawcd_read_raw until
 *  the object is freed or a write_* call ends. */
FSI_API fsi_hresult fsi_rawcd_set_subcode_rw_cb(fsi_rawcd *cd, fsi_read_fn read, void *ctx,
                                                void (*free_ctx)(void *ctx));

/** ResultingImageType (default FSI_RAWCD_SUBCODE_IS_COOKED). */
FSI_API fsi_hresult fsi_rawcd_set_image_type(fsi_rawcd *cd, fsi_rawcd_subcode type);
FSI_API fsi_rawcd_subcode fsi_rawcd_get_image_type(const fsi_rawcd *cd);

/** StartOfLeadout: the LBA after the last track (its postgap included);
 *  E_IMAPI_RAW_IMAGE_NO_TRACKS without tracks. */
FSI_API fsi_hresult fsi_rawcd_start_of_leadout(fsi_rawcd *cd, int32_t *lba);
/** StartOfLeadoutLimit: the greatest LBA the lead-out may start at, 300
 *  to 443100 (so that a 6750-sector lead-out ends by MSF 99:59:74, the
 *  last address Q can hold; else IMAPI_E_INVALID_PARAM); a limit below
 *  the current lead-out is E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE. */
FSI_API fsi_hresult fsi_rawcd_set_leadout_limit(fsi_rawcd *cd, int32_t lba);
FSI_API int32_t fsi_rawcd_get_leadout_limit(const fsi_rawcd *cd);
/** The limit of a CD-R of 74, 80, 90 or 99 minutes: the lead-out starts at
 *  MSF (N-1):59:74 at the latest (LBA N*4500-151: 332849, 359849, 404849),
 *  for 99 minutes at 98:30:00 (LBA 443100, the greatest limit).  Other
 *  values: IMAPI_E_INVALID_PARAM. */
FSI_API fsi_hresult fsi_rawcd_set_media_minutes(fsi_rawcd *cd, int minutes);

/** Gapless audio (IMAPI's DisableGaplessAudio, whose documented polarity
 *  contradicts its name): false (the default) puts 150 sectors of silence
 *  before every audio track after the first; true records consecutive
 *  audio tracks without silence, the last 150 sectors of each being the
 *  next one's pregap.  Only before tracks are added
 *  (E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED). */
FSI_API fsi_hresult fsi_rawcd_set_gapless(fsi_rawcd *cd, bool gapless);
FSI_API bool fsi_rawcd_get_gapless(const fsi_rawcd *cd);

/** MediaCatalogNumber: 13 digits whose last is the EAN-13 check digit;
 *  leading zeros may be left out ("123456789012" = "0123456789012").
 *  NULL or "" removes it.  Otherwise E_IMAPI_DF2TAO_INVALID_MCN.  The get
 *  returns the 13 digits, or NULL if none is set. */
FSI_API fsi_hresult fsi_rawcd_set_mcn(fsi_rawcd *cd, const char *mcn);
FSI_API const char *fsi_rawcd_get_mcn(const fsi_rawcd *cd);

/** StartingTrackNumber, 1..99 (IMAPI_E_INVALID_PARAM), only before tracks
 *  are added (E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED); other than 1 the
 *  disc must be pure audio. */
FSI_API fsi_hresult fsi_rawcd_set_first_track_number(fsi_rawcd *cd, int number);
FSI_API int fsi_rawcd_get_first_track_number(const fsi_rawcd *cd);

/** NumberOfExistingTracks. */
FSI_API int fsi_rawcd_track_count(const fsi_rawcd *cd);
/** LastUsedUserSectorInImage: the LBA of the last sector of the last
 *  track; E_IMAPI_RAW_IMAGE_NO_TRACKS without tracks. */
FSI_API fsi_hresult fsi_rawcd_last_used_sector(fsi_rawcd *cd, int32_t *lba);

/** One entry of the expected table of contents, as a SCSI READ TOC/PMA/
 *  ATIP format 0000b response lists it: one per track in order, then the
 *  lead-out (track 0xAA). */
typedef struct fsi_cd_toc_entry {
    uint8_t adr;       /* 1 */
    uint8_t control;   /* Q control nibble: 4 data, 2 copy permitted, 1 pre-emphasis */
    uint8_t track;     /* 1..99, or 0xAA for the lead-out */
    int32_t lba;       /* the track's index 1 (its StartingLba), or StartOfLeadout */
    uint8_t msf[3];    /* the same as MSF (LBA + 150) */
} fsi_cd_toc_entry;

/** ExpectedTableOfContents: fills up to `max` entries and sets *count to
 *  the number there are (tracks + 1; call with max 0 to size).
 *  E_IMAPI_RAW_IMAGE_NO_TRACKS without tracks. */
FSI_API fsi_hresult fsi_rawcd_toc(fsi_rawcd *cd, fsi_cd_toc_entry *entries, size_t max,
                                  size_t *count);

/** IRawCDImageTrackInfo of track index 1..NumberOfExistingTracks (other
 *  indexes: IMAPI_E_INVALID_PARAM). */
typedef struct fsi_cd_track_info {
    int32_t start_lba;       /* StartingLba: index 1 */
    int32_t sectors;         /* SectorCount: user sectors (not the pregap nor
                                a data track's postgap) */
    int number;              /* TrackNumber */
    fsi_cd_sector_type type; /* SectorType */
    fsi_cd_copy copy;        /* DigitalAudioCopySetting */
    bool pre_emphasis;       /* AudioHasPreemphasis */
    char isrc[16];           /* ISRC as "CC-XXX-YY-NNNNN", "" if none */
    int32_t pregap;          /* sectors of index 0 before start_lba */
    int32_t postgap;         /* sectors after the user sectors (data track) */
    uint32_t nindexes;       /* entries of fsi_rawcd_track_indexes (>= 1) */
} fsi_cd_track_info;
FSI_API fsi_hresult fsi_rawcd_track_info(fsi_rawcd *cd, int track_index,
                                         fsi_cd_track_info *info);

/** ISRC: "CC-XXX-YY-NNNNN" (country, owner: letters or digits; year,
 *  serial: digits), the dashes optional; NULL or "" removes it.  Audio
 *  tracks only (E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED); a bad code
 *  is E_IMAPI_DF2TAO_INVALID_ISRC. */
FSI_API fsi_hresult fsi_rawcd_track_set_isrc(fsi_rawcd *cd, int track_index, const char *isrc);
/** DigitalAudioCopySetting and AudioHasPreemphasis: audio tracks only. */
FSI_API fsi_hresult fsi_rawcd_track_set_copy(fsi_rawcd *cd, int track_index, fsi_cd_copy copy);
FSI_API fsi_hresult fsi_rawcd_track_set_pre_emphasis(fsi_rawcd *cd, int track_index, bool on);

/** AddTrackIndex / ClearTrackIndex: an index at `offset` sectors from the
 *  track's start (offset 0 is index 1, always there).  Indexes are
 *  numbered 1, 2, ... in offset order.  Adding: offsets within the track
 *  and at least 10 sectors from every other index and from the track's
 *  end (E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX; past the
 *  end IMAPI_E_INVALID_PARAM), at most 99 indexes
 *  (E_IMAPI_RAW_IMAGE_TOO_MANY_TRACK_INDEXES); an offset already there
 *  returns S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS.  Clearing: 0 is
 *  E_IMAPI_RAW_IMAGE_TRACK_INDEX_OFFSET_ZERO_CANNOT_BE_CLEARED, an
 *  absent offset E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND. */
FSI_API fsi_hresult fsi_rawcd_track_add_index(fsi_rawcd *cd, int track_index, int32_t offset);
FSI_API fsi_hresult fsi_rawcd_track_clear_index(fsi_rawcd *cd, int track_index, int32_t offset);
/** TrackIndexes: the offsets in order (the first is 0); fills up to `max`
 *  and sets *count to how many there are. */
FSI_API fsi_hresult fsi_rawcd_track_indexes(fsi_rawcd *cd, int track_index, int32_t *offsets,
                                            size_t max, size_t *count);

/** CD-Text (language 0, ISO 8859-1 characters): the title and performer
 *  of the album (track_index 0) or of a track; NULL leaves a field as it
 *  is, "" clears it.  At most 160 bytes each (IMAPI_E_INVALID_PARAM);
 *  characters outside ISO 8859-1 are IMAPI_E_INVALID_PARAM.  Written to
 *  the cue sheet, the TOC file and the raw stream's lead-in R-W. */
FSI_API fsi_hresult fsi_rawcd_set_cdtext(fsi_rawcd *cd, int track_index, const char *title,
                                         const char *performer);
/** The text set (UTF-8 as given), NULL if none. */
FSI_API const char *fsi_rawcd_get_cdtext(const fsi_rawcd *cd, int track_index, bool performer);

/** CreateResultImage: check the whole disc (at least one track:
 *  E_IMAPI_RAW_IMAGE_NO_TRACKS) and make the object read-only.  The
 *  outputs below need it (E_IMAPI_RAW_IMAGE_NO_TRACKS before it). */
FSI_API fsi_hresult fsi_rawcd_create_result(fsi_rawcd *cd);

/** Sectors of the raw stream: from FSI_CD_RAW_FIRST_LBA through the
 *  lead-out (StartOfLeadout + FSI_CD_LEADOUT_SECTORS - FSI_CD_RAW_FIRST_LBA). */
FSI_API int64_t fsi_rawcd_raw_sectors(const fsi_rawcd *cd);

/** IMAPI's result stream: read up to `len` bytes at `offset` of the raw
 *  stream (2448-byte sectors: 2352 bytes of main channel, 96 of P-W
 *  subcode, one bit of each channel per byte, P the most significant) into
 *  buf; returns the count (0 at the end) or -1 (fsi_rawcd_last_error
 *  says why). */
FSI_API int64_t fsi_rawcd_read_raw(fsi_rawcd *cd, uint64_t offset, void *buf, size_t len);

/** Write the BIN of the cue sheet (2352-byte sectors: audio as given,
 *  mode 1 with sync, header, EDC and ECC; from the special pregap's first
 *  sector, else from LBA 0; a data track's postgap is in it, as the end
 *  of that track (libcdio refuses POSTGAP in a cue sheet); pregaps of
 *  silence are not: the cue sheet says PREGAP), or the raw stream, to
 *  `fd` from its current position.  big_endian swaps the bytes of every
 *  audio sample: the data file of a cdrdao TOC file (cdrdao reads raw
 *  audio files as big-endian). */
FSI_API fsi_hresult fsi_rawcd_write_bin(fsi_rawcd *cd, int fd, bool big_endian);
FSI_API fsi_hresult fsi_rawcd_write_raw(fsi_rawcd *cd, int fd);

/** The cue sheet, or the cdrdao TOC file, for a data file named `bin_name`
 *  (as it is to be written in the file: usually its base name; for the
 *  TOC file one written with big_endian), in a malloc'ed string the
 *  caller frees. */
FSI_API fsi_hresult fsi_rawcd_cue_sheet(fsi_rawcd *cd, const char *bin_name, char **text);
FSI_API fsi_hresult fsi_rawcd_toc_file(fsi_rawcd *cd, const char *bin_name, char **text);

/** Write the outputs named (NULL: not that one): the cue sheet at
 *  `cue_path` with its BIN beside it (the cue's name with ".bin" for its
 *  extension), the TOC file with its data file beside it (the TOC's name
 *  with ".cdr": the BIN with big-endian audio) and the raw stream.  Each is written to
 *  an unnamed temporary file in its directory (O_TMPFILE, else a hidden
 *  name) and all are given their names at the end, so a failure while
 *  writing leaves none of them (and the old files as they were); only a
 *  failing rename itself, after the data is all written, can leave the
 *  outputs named before it in place.
 *  Failures to write are IMAPI_E_INVALID_PARAM naming the path with the
 *  system error. */
FSI_API fsi_hresult fsi_rawcd_write_files(fsi_rawcd *cd, const char *cue_path,
                                          const char *toc_path, const char *raw_path);

#ifdef __cplusplus
}
#endif

#endif /* FSI_H */
