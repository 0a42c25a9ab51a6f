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
 *    counts) and, where a system call failed, strerror(errno).
 *  - Strings are UTF-8.  Image paths use '/' separators, with or without a
 *    leading '/'; "" and "/" name the root.  Names are case-sensitive.
 *  - Thread safety: one handle per thread.  Different handles are
 *    independent; the error table functions are thread-safe.
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
    FSI_ITEM_FILE = 2
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
 *  made from the creation date.  Each file system gets its own translation
 *  (ISO9660 d-characters, Joliet 16 characters, UDF 30/15 characters). */
FSI_API fsi_hresult fsi_image_set_volume_name(fsi_image *img, const char *name);
/** The volume name as set, or NULL if none was set. */
FSI_API const char *fsi_image_get_volume_name(const fsi_image *img);

/** StrictFileSystemCompliance: only while the tree is empty
 *  (IMAPI_E_FILE_SYSTEM_NOT_EMPTY otherwise).  Off by default. */
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

/** AddTree: add the host directory `host_dir` under image directory
 *  `path` (which must exist).  With include_base the directory itself is
 *  added (as path/BASENAME), else only its contents.  Symlinks are
 *  followed (a dangling one is IMAPI_E_DATA_STREAM_CREATE_FAILURE);
 *  sockets, FIFOs and devices are skipped.  All or nothing: on any error
 *  the tree is left as it was. */
FSI_API fsi_hresult fsi_add_tree(fsi_image *img, const char *path,
                                 const char *host_dir, bool include_base);

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
/* The result (IFileSystemImageResult)                                 */
/* ------------------------------------------------------------------ */

typedef struct fsi_result fsi_result;

/** CreateResultImage.  While a result exists the tree is read-only
 *  (IMAPI_E_READONLY).  IMAPI_E_NO_OUTPUT if no file system is selected. */
FSI_API fsi_hresult fsi_create_result(fsi_image *img, fsi_result **out);

/** Release a result; the tree becomes writable again.  NULL is allowed. */
FSI_API void fsi_result_free(fsi_result *res);

/** Block size (2048) and total blocks of the image. */
FSI_API uint32_t fsi_result_block_size(const fsi_result *res);
FSI_API uint64_t fsi_result_total_blocks(const fsi_result *res);

/** Write the whole image (total blocks x 2048 bytes) to `fd`, from its
 *  current position; `fd` stays open and is not synced.  File data goes
 *  by copy_file_range to a regular file and by splice to a pipe where the
 *  kernel allows it (else, or for small files, through a large buffer);
 *  structures are generated as they are written, never all at once.
 *  `written` (may be NULL) gets the bytes written, also on failure.
 *  Failures: IMAPI_E_DATA_STREAM_READ_FAILURE (a source cannot be read),
 *  IMAPI_E_DATA_STREAM_INCONSISTENCY (a source file shrank), E_FAIL with
 *  the system error when writing to fd fails. */
FSI_API fsi_hresult fsi_result_write_fd(fsi_result *res, int fd, uint64_t *written);

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


#ifdef __cplusplus
}
#endif

#endif /* FSI_H */
