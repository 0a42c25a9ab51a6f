/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_errors.c - the IMAPI code table (lib/error.c).
 *
 * The reference list below is the 152 codes of the Windows SDK's
 * imapi2fserror.h (62) and imapi2error.h (90), with their values, as given
 * in reference/imapi2fs.md section 4; it is kept here on purpose, apart
 * from the library's table, so that a typo in either shows up.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fsi.h"

struct ref { const char *name; uint32_t value; };

static const struct ref reference[] = {
    { "IMAPI_E_FSI_INTERNAL_ERROR", 0xC0AAB100U },
    { "IMAPI_E_INVALID_PARAM", 0xC0AAB101U },
    { "IMAPI_E_READONLY", 0xC0AAB102U },
    { "IMAPI_E_NO_OUTPUT", 0xC0AAB103U },
    { "IMAPI_E_INVALID_VOLUME_NAME", 0xC0AAB104U },
    { "IMAPI_E_INVALID_DATE", 0xC0AAB105U },
    { "IMAPI_E_FILE_SYSTEM_NOT_EMPTY", 0xC0AAB106U },
    { "IMAPI_E_NOT_FILE", 0xC0AAB108U },
    { "IMAPI_E_NOT_DIR", 0xC0AAB109U },
    { "IMAPI_E_DIR_NOT_EMPTY", 0xC0AAB10AU },
    { "IMAPI_E_NOT_IN_FILE_SYSTEM", 0xC0AAB10BU },
    { "IMAPI_E_INVALID_PATH", 0xC0AAB110U },
    { "IMAPI_E_RESTRICTED_NAME_VIOLATION", 0xC0AAB111U },
    { "IMAPI_E_DUP_NAME", 0xC0AAB112U },
    { "IMAPI_E_NO_UNIQUE_NAME", 0xC0AAB113U },
    { "IMAPI_E_ITEM_NOT_FOUND", 0xC0AAB118U },
    { "IMAPI_E_FILE_NOT_FOUND", 0xC0AAB119U },
    { "IMAPI_E_DIR_NOT_FOUND", 0xC0AAB11AU },
    { "IMAPI_E_IMAGE_SIZE_LIMIT", 0xC0AAB120U },
    { "IMAPI_E_IMAGE_TOO_BIG", 0xC0AAB121U },
    { "IMAPI_E_DATA_STREAM_INCONSISTENCY", 0xC0AAB128U },
    { "IMAPI_E_DATA_STREAM_READ_FAILURE", 0xC0AAB129U },
    { "IMAPI_E_DATA_STREAM_CREATE_FAILURE", 0xC0AAB12AU },
    { "IMAPI_E_DIRECTORY_READ_FAILURE", 0xC0AAB12BU },
    { "IMAPI_E_TOO_MANY_DIRS", 0xC0AAB130U },
    { "IMAPI_E_ISO9660_LEVELS", 0xC0AAB131U },
    { "IMAPI_E_DATA_TOO_BIG", 0xC0AAB132U },
    { "IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION", 0xC0AAB133U },
    { "IMAPI_E_STASHFILE_OPEN_FAILURE", 0xC0AAB138U },
    { "IMAPI_E_STASHFILE_SEEK_FAILURE", 0xC0AAB139U },
    { "IMAPI_E_STASHFILE_WRITE_FAILURE", 0xC0AAB13AU },
    { "IMAPI_E_STASHFILE_READ_FAILURE", 0xC0AAB13BU },
    { "IMAPI_E_INVALID_WORKING_DIRECTORY", 0xC0AAB140U },
    { "IMAPI_E_WORKING_DIRECTORY_SPACE", 0xC0AAB141U },
    { "IMAPI_E_STASHFILE_MOVE", 0xC0AAB142U },
    { "IMAPI_E_BOOT_IMAGE_DATA", 0xC0AAB148U },
    { "IMAPI_E_BOOT_OBJECT_CONFLICT", 0xC0AAB149U },
    { "IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH", 0xC0AAB14AU },
    { "IMAPI_E_EMPTY_DISC", 0xC0AAB150U },
    { "IMAPI_E_NO_SUPPORTED_FILE_SYSTEM", 0xC0AAB151U },
    { "IMAPI_E_FILE_SYSTEM_NOT_FOUND", 0xC0AAB152U },
    { "IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR", 0xC0AAB153U },
    { "IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED", 0xC0AAB154U },
    { "IMAPI_E_IMPORT_TYPE_COLLISION_FILE_EXISTS_AS_DIRECTORY", 0xC0AAB155U },
    { "IMAPI_E_IMPORT_SEEK_FAILURE", 0xC0AAB156U },
    { "IMAPI_E_IMPORT_READ_FAILURE", 0xC0AAB157U },
    { "IMAPI_E_DISC_MISMATCH", 0xC0AAB158U },
    { "IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED", 0xC0AAB159U },
    { "IMAPI_E_UDF_NOT_WRITE_COMPATIBLE", 0xC0AAB15AU },
    { "IMAPI_E_INCOMPATIBLE_MULTISESSION_TYPE", 0xC0AAB15BU },
    { "IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE", 0xC0AAB15CU },
    { "IMAPI_E_MULTISESSION_NOT_SET", 0xC0AAB15DU },
    { "IMAPI_E_IMPORT_TYPE_COLLISION_DIRECTORY_EXISTS_AS_FILE", 0xC0AAB15EU },
    { "IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED", 0x00AAB15FU },
    { "IMAPI_E_PROPERTY_NOT_ACCESSIBLE", 0xC0AAB160U },
    { "IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED", 0xC0AAB161U },
    { "IMAPI_E_BAD_MULTISESSION_PARAMETER", 0xC0AAB162U },
    { "IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED", 0xC0AAB163U },
    { "IMAPI_E_IMAGEMANAGER_IMAGE_NOT_ALIGNED", 0xC0AAB200U },
    { "IMAPI_E_IMAGEMANAGER_NO_VALID_VD_FOUND", 0xC0AAB201U },
    { "IMAPI_E_IMAGEMANAGER_NO_IMAGE", 0xC0AAB202U },
    { "IMAPI_E_IMAGEMANAGER_IMAGE_TOO_BIG", 0xC0AAB203U },
    { "E_IMAPI_REQUEST_CANCELLED", 0xC0AA0002U },
    { "E_IMAPI_RECORDER_REQUIRED", 0xC0AA0003U },
    { "S_IMAPI_SPEEDADJUSTED", 0x00AA0004U },
    { "S_IMAPI_ROTATIONADJUSTED", 0x00AA0005U },
    { "S_IMAPI_BOTHADJUSTED", 0x00AA0006U },
    { "E_IMAPI_BURN_VERIFICATION_FAILED", 0xC0AA0007U },
    { "S_IMAPI_COMMAND_HAS_SENSE_DATA", 0x00AA0200U },
    { "E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE", 0xC0AA0201U },
    { "E_IMAPI_RECORDER_MEDIA_NO_MEDIA", 0xC0AA0202U },
    { "E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE", 0xC0AA0203U },
    { "E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN", 0xC0AA0204U },
    { "E_IMAPI_RECORDER_MEDIA_BECOMING_READY", 0xC0AA0205U },
    { "E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS", 0xC0AA0206U },
    { "E_IMAPI_RECORDER_MEDIA_BUSY", 0xC0AA0207U },
    { "E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS", 0xC0AA0208U },
    { "E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED", 0xC0AA0209U },
    { "E_IMAPI_RECORDER_NO_SUCH_FEATURE", 0xC0AA020AU },
    { "E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT", 0xC0AA020BU },
    { "E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED", 0xC0AA020CU },
    { "E_IMAPI_RECORDER_COMMAND_TIMEOUT", 0xC0AA020DU },
    { "E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT", 0xC0AA020EU },
    { "E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH", 0xC0AA020FU },
    { "E_IMAPI_RECORDER_LOCKED", 0xC0AA0210U },
    { "E_IMAPI_RECORDER_CLIENT_NAME_IS_NOT_VALID", 0xC0AA0211U },
    { "E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED", 0xC0AA0212U },
    { "E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE", 0xC0AA02FFU },
    { "E_IMAPI_LOSS_OF_STREAMING", 0xC0AA0300U },
    { "E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE", 0xC0AA0301U },
    { "S_IMAPI_WRITE_NOT_IN_PROGRESS", 0x00AA0302U },
    { "E_IMAPI_DF2DATA_WRITE_IN_PROGRESS", 0xC0AA0400U },
    { "E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS", 0xC0AA0401U },
    { "E_IMAPI_DF2DATA_INVALID_MEDIA_STATE", 0xC0AA0402U },
    { "E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED", 0xC0AA0403U },
    { "E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA", 0xC0AA0404U },
    { "E_IMAPI_DF2DATA_MEDIA_NOT_BLANK", 0xC0AA0405U },
    { "E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED", 0xC0AA0406U },
    { "E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED", 0xC0AA0407U },
    { "E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID", 0xC0AA0408U },
    { "E_IMAPI_DF2TAO_WRITE_IN_PROGRESS", 0xC0AA0500U },
    { "E_IMAPI_DF2TAO_WRITE_NOT_IN_PROGRESS", 0xC0AA0501U },
    { "E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED", 0xC0AA0502U },
    { "E_IMAPI_DF2TAO_MEDIA_IS_PREPARED", 0xC0AA0503U },
    { "E_IMAPI_DF2TAO_PROPERTY_FOR_BLANK_MEDIA_ONLY", 0xC0AA0504U },
    { "E_IMAPI_DF2TAO_TABLE_OF_CONTENTS_EMPTY_DISC", 0xC0AA0505U },
    { "E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK", 0xC0AA0506U },
    { "E_IMAPI_DF2TAO_MEDIA_IS_NOT_SUPPORTED", 0xC0AA0507U },
    { "E_IMAPI_DF2TAO_TRACK_LIMIT_REACHED", 0xC0AA0508U },
    { "E_IMAPI_DF2TAO_NOT_ENOUGH_SPACE", 0xC0AA0509U },
    { "E_IMAPI_DF2TAO_NO_RECORDER_SPECIFIED", 0xC0AA050AU },
    { "E_IMAPI_DF2TAO_INVALID_ISRC", 0xC0AA050BU },
    { "E_IMAPI_DF2TAO_INVALID_MCN", 0xC0AA050CU },
    { "E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED", 0xC0AA050DU },
    { "E_IMAPI_DF2TAO_RECORDER_NOT_SUPPORTED", 0xC0AA050EU },
    { "E_IMAPI_DF2TAO_CLIENT_NAME_IS_NOT_VALID", 0xC0AA050FU },
    { "E_IMAPI_DF2RAW_WRITE_IN_PROGRESS", 0xC0AA0600U },
    { "E_IMAPI_DF2RAW_WRITE_NOT_IN_PROGRESS", 0xC0AA0601U },
    { "E_IMAPI_DF2RAW_MEDIA_IS_NOT_PREPARED", 0xC0AA0602U },
    { "E_IMAPI_DF2RAW_MEDIA_IS_PREPARED", 0xC0AA0603U },
    { "E_IMAPI_DF2RAW_CLIENT_NAME_IS_NOT_VALID", 0xC0AA0604U },
    { "E_IMAPI_DF2RAW_MEDIA_IS_NOT_BLANK", 0xC0AA0606U },
    { "E_IMAPI_DF2RAW_MEDIA_IS_NOT_SUPPORTED", 0xC0AA0607U },
    { "E_IMAPI_DF2RAW_NOT_ENOUGH_SPACE", 0xC0AA0609U },
    { "E_IMAPI_DF2RAW_NO_RECORDER_SPECIFIED", 0xC0AA060AU },
    { "E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED", 0xC0AA060DU },
    { "E_IMAPI_DF2RAW_DATA_BLOCK_TYPE_NOT_SUPPORTED", 0xC0AA060EU },
    { "E_IMAPI_DF2RAW_STREAM_LEADIN_TOO_SHORT", 0xC0AA060FU },
    { "E_IMAPI_DF2RAW_RECORDER_NOT_SUPPORTED", 0xC0AA0610U },
    { "E_IMAPI_ERASE_RECORDER_IN_USE", 0x80AA0900U },
    { "E_IMAPI_ERASE_ONLY_ONE_RECORDER_SUPPORTED", 0x80AA0901U },
    { "E_IMAPI_ERASE_DISC_INFORMATION_TOO_SMALL", 0x80AA0902U },
    { "E_IMAPI_ERASE_MODE_PAGE_2A_TOO_SMALL", 0x80AA0903U },
    { "E_IMAPI_ERASE_MEDIA_IS_NOT_ERASABLE", 0x80AA0904U },
    { "E_IMAPI_ERASE_DRIVE_FAILED_ERASE_COMMAND", 0x80AA0905U },
    { "E_IMAPI_ERASE_TOOK_LONGER_THAN_ONE_HOUR", 0x80AA0906U },
    { "E_IMAPI_ERASE_UNEXPECTED_DRIVE_RESPONSE_DURING_ERASE", 0x80AA0907U },
    { "E_IMAPI_ERASE_DRIVE_FAILED_SPINUP_COMMAND", 0x80AA0908U },
    { "E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED", 0xC0AA0909U },
    { "E_IMAPI_ERASE_RECORDER_NOT_SUPPORTED", 0xC0AA090AU },
    { "E_IMAPI_ERASE_CLIENT_NAME_IS_NOT_VALID", 0xC0AA090BU },
    { "E_IMAPI_RAW_IMAGE_IS_READ_ONLY", 0x80AA0A00U },
    { "E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS", 0x80AA0A01U },
    { "E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED", 0x80AA0A02U },
    { "E_IMAPI_RAW_IMAGE_NO_TRACKS", 0x80AA0A03U },
    { "E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED", 0x80AA0A04U },
    { "E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE", 0x80AA0A05U },
    { "E_IMAPI_RAW_IMAGE_TOO_MANY_TRACK_INDEXES", 0x80AA0A06U },
    { "E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND", 0x80AA0A07U },
    { "S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS", 0x00AA0A08U },
    { "E_IMAPI_RAW_IMAGE_TRACK_INDEX_OFFSET_ZERO_CANNOT_BE_CLEARED", 0x80AA0A09U },
    { "E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX", 0x80AA0A0AU },
};

#define NREF (sizeof reference / sizeof reference[0])

static const struct ref general[] = {
    { "S_OK", 0x00000000U },
    { "E_NOTIMPL", 0x80004001U },
    { "E_POINTER", 0x80004003U },
    { "E_FAIL", 0x80004005U },
    { "E_OUTOFMEMORY", 0x8007000EU },
    { "E_INVALIDARG", 0x80070057U },
};

#define NGEN (sizeof general / sizeof general[0])

static fsi_hresult hr_of(uint32_t v)
{
    return (fsi_hresult)v;
}

/* --- the table ------------------------------------------------------ */

static void test_table_has_158_codes(void **state)
{
    (void)state;
    assert_int_equal(NREF, 152);
    assert_int_equal(fsi_error_count(), 158);
}

static void test_every_reference_code_present(void **state)
{
    (void)state;
    for (size_t i = 0; i < NREF; i++) {
        fsi_hresult hr = hr_of(reference[i].value);
        const char *name = fsi_error_name(hr);
        if (!name)
            fail_msg("%s (0x%08X) missing", reference[i].name, reference[i].value);
        assert_string_equal(name, reference[i].name);
        assert_non_null(fsi_error_message(hr));
        assert_non_null(fsi_error_inserts(hr));
        fsi_hresult got = 0;
        assert_int_equal(fsi_error_lookup(reference[i].name, &got), 0);
        assert_int_equal((uint32_t)got, reference[i].value);
    }
}

static void test_header_macros_match_reference(void **state)
{
    (void)state;
    /* A few macros from fsi.h against the reference values. */
    assert_int_equal((uint32_t)IMAPI_E_DUP_NAME, 0xC0AAB112U);
    assert_int_equal((uint32_t)IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED, 0xC0AAB163U);
    assert_int_equal((uint32_t)IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED, 0x00AAB15FU);
    assert_int_equal((uint32_t)E_IMAPI_ERASE_RECORDER_IN_USE, 0x80AA0900U);
    assert_int_equal((uint32_t)E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED, 0xC0AA0909U);
    assert_int_equal((uint32_t)S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS, 0x00AA0A08U);
    assert_int_equal((uint32_t)FSI_E_INVALIDARG, 0x80070057U);
}

static void test_general_codes_present(void **state)
{
    (void)state;
    for (size_t i = 0; i < NGEN; i++) {
        const char *name = fsi_error_name(hr_of(general[i].value));
        assert_non_null(name);
        assert_string_equal(name, general[i].name);
    }
    assert_string_equal(fsi_error_name(FSI_S_OK), "S_OK");
    assert_string_equal(fsi_error_name(FSI_E_NOTIMPL), "E_NOTIMPL");
    assert_string_equal(fsi_error_name(FSI_E_POINTER), "E_POINTER");
    assert_string_equal(fsi_error_name(FSI_E_FAIL), "E_FAIL");
    assert_string_equal(fsi_error_name(FSI_E_OUTOFMEMORY), "E_OUTOFMEMORY");
    assert_string_equal(fsi_error_name(FSI_E_INVALIDARG), "E_INVALIDARG");
}

static void test_codes_missing_from_web_page_present(void **state)
{
    (void)state;
    assert_string_equal(fsi_error_name(hr_of(0xC0AAB160U)), "IMAPI_E_PROPERTY_NOT_ACCESSIBLE");
    assert_string_equal(fsi_error_name(hr_of(0xC0AAB161U)),
                        "IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED");
    assert_string_equal(fsi_error_name(hr_of(0xC0AA0212U)),
                        "E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED");
    assert_int_equal(IMAPI_E_PROPERTY_NOT_ACCESSIBLE, hr_of(0xC0AAB160U));
    assert_int_equal(IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED, hr_of(0xC0AAB161U));
    assert_int_equal(E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED, hr_of(0xC0AA0212U));
}

static int in_list(const struct ref *list, size_t n, const char *name, uint32_t v)
{
    for (size_t i = 0; i < n; i++)
        if (list[i].value == v && !strcmp(list[i].name, name))
            return 1;
    return 0;
}

static void test_table_has_nothing_else(void **state)
{
    (void)state;
    for (size_t i = 0; i < fsi_error_count(); i++) {
        fsi_hresult hr = fsi_error_at(i);
        const char *name = fsi_error_name(hr);
        assert_non_null(name);
        if (!in_list(reference, NREF, name, (uint32_t)hr) &&
            !in_list(general, NGEN, name, (uint32_t)hr))
            fail_msg("unexpected table entry %s 0x%08X", name, (unsigned)(uint32_t)hr);
    }
}

static void test_names_and_values_unique(void **state)
{
    (void)state;
    size_t n = fsi_error_count();
    for (size_t i = 0; i < n; i++) {
        fsi_hresult a = fsi_error_at(i);
        for (size_t j = i + 1; j < n; j++) {
            fsi_hresult b = fsi_error_at(j);
            if (a == b)
                fail_msg("value 0x%08X twice (entries %zu and %zu)", (unsigned)(uint32_t)a, i, j);
            if (!strcmp(fsi_error_name(a), fsi_error_name(b)))
                fail_msg("name %s twice", fsi_error_name(a));
        }
    }
}

/* Every %N in a template is within the inserts described, and every
 * described insert is used. */
static void test_templates_match_insert_lists(void **state)
{
    (void)state;
    for (size_t i = 0; i < fsi_error_count(); i++) {
        fsi_hresult hr = fsi_error_at(i);
        const char *msg = fsi_error_message(hr);
        const char *ins = fsi_error_inserts(hr);
        assert_non_null(msg);
        assert_non_null(ins);
        assert_true(strlen(msg) > 0);
        size_t nins = 0;
        if (*ins) {
            nins = 1;
            for (const char *p = ins; *p; p++)
                nins += *p == ',';
        }
        int used[10] = { 0 };
        for (const char *p = msg; *p; p++) {
            if ((unsigned char)*p < 0x20)
                fail_msg("%s: control character in message", fsi_error_name(hr));
            if (p[0] == '%' && p[1] >= '1' && p[1] <= '9') {
                size_t k = (size_t)(p[1] - '0');
                if (k > nins)
                    fail_msg("%s: %%%zu but inserts \"%s\"", fsi_error_name(hr), k, ins);
                used[k] = 1;
            }
        }
        for (size_t k = 1; k <= nins; k++)
            if (!used[k])
                fail_msg("%s: insert %zu of \"%s\" unused", fsi_error_name(hr), k, ins);
    }
}

static void test_design_inserts(void **state)
{
    (void)state;
    /* DESIGN.md: DATA_TOO_BIG names the file and the file system. */
    assert_string_equal(fsi_error_inserts(IMAPI_E_DATA_TOO_BIG), "path,file system");
    assert_string_equal(fsi_error_inserts(IMAPI_E_ISO9660_LEVELS), "path");
    assert_string_equal(fsi_error_inserts(IMAPI_E_DUP_NAME), "path");
    assert_string_equal(fsi_error_inserts(IMAPI_E_TOO_MANY_DIRS), "file system");
    assert_string_equal(fsi_error_inserts(IMAPI_E_DATA_STREAM_INCONSISTENCY),
                        "path,expected bytes,found bytes");
    assert_string_equal(fsi_error_inserts(IMAPI_E_FSI_INTERNAL_ERROR), "description");
    assert_string_equal(fsi_error_inserts(IMAPI_E_READONLY), "");
}

static void test_unknown_code(void **state)
{
    (void)state;
    assert_null(fsi_error_name(hr_of(0xC0AAB107U)));   /* unused code point */
    assert_null(fsi_error_message(hr_of(0xC0AAB107U)));
    assert_null(fsi_error_inserts(hr_of(0xC0AAB107U)));
    assert_null(fsi_error_name(hr_of(0x0000FFFFU)));   /* header's unnamed message */
}

/* --- FSI_SUCCEEDED / FSI_FAILED --------------------------------------- */

static void test_succeeded_failed(void **state)
{
    (void)state;
    assert_true(FSI_SUCCEEDED(FSI_S_OK));
    assert_false(FSI_FAILED(FSI_S_OK));
    assert_true(FSI_FAILED(IMAPI_E_DUP_NAME));
    assert_true(FSI_FAILED(hr_of(0xC0AAB100U)));
    assert_true(FSI_FAILED(E_IMAPI_REQUEST_CANCELLED));
    assert_true(FSI_FAILED(E_IMAPI_ERASE_RECORDER_IN_USE));    /* 0x80AA0900 */
    assert_true(FSI_FAILED(hr_of(0x80AA0900U)));
    assert_true(FSI_FAILED(E_IMAPI_RAW_IMAGE_IS_READ_ONLY));   /* 0x80AA0A00 */
    assert_true(FSI_FAILED(FSI_E_OUTOFMEMORY));
    assert_true(FSI_SUCCEEDED(IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED));
    assert_true(IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED > 0);
    assert_true(FSI_SUCCEEDED(S_IMAPI_SPEEDADJUSTED));
    assert_true(FSI_SUCCEEDED(S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS));
    assert_false(FSI_FAILED(S_IMAPI_WRITE_NOT_IN_PROGRESS));
    /* Every S_ name succeeds, every E_ name fails. */
    for (size_t i = 0; i < fsi_error_count(); i++) {
        fsi_hresult hr = fsi_error_at(i);
        const char *name = fsi_error_name(hr);
        int success = !strncmp(name, "S_", 2) || !strncmp(name, "IMAPI_S_", 8);
        if (success != FSI_SUCCEEDED(hr))
            fail_msg("%s 0x%08X: wrong severity", name, (unsigned)(uint32_t)hr);
    }
}

/* --- fsi_error_format -------------------------------------------------- */

static void test_format_substitutes_inserts(void **state)
{
    (void)state;
    char buf[256];
    const char *ins[] = { "/docs/a.txt" };
    size_t n = fsi_error_format(IMAPI_E_DUP_NAME, buf, sizeof buf, ins, 1);
    assert_string_equal(buf, "An item named '/docs/a.txt' already exists.");
    assert_int_equal(n, strlen(buf));

    const char *ins2[] = { "/big.bin", "ISO9660" };
    fsi_error_format(IMAPI_E_DATA_TOO_BIG, buf, sizeof buf, ins2, 2);
    assert_non_null(strstr(buf, "'/big.bin'"));
    assert_non_null(strstr(buf, "ISO9660"));
    assert_true(strstr(buf, "'/big.bin'") < strstr(buf, "ISO9660"));
    assert_null(strchr(buf, '%'));

    const char *ins3[] = { "/f", "100", "42" };
    fsi_error_format(IMAPI_E_DATA_STREAM_INCONSISTENCY, buf, sizeof buf, ins3, 3);
    assert_non_null(strstr(buf, "'/f'"));
    assert_non_null(strstr(buf, "100"));
    assert_non_null(strstr(buf, "42"));
    assert_true(strstr(buf, "100") < strstr(buf, "42"));

    /* An insert that itself contains "%1" is not expanded again. */
    const char *ins4[] = { "100%1" };
    fsi_error_format(IMAPI_E_NOT_DIR, buf, sizeof buf, ins4, 1);
    assert_non_null(strstr(buf, "'100%1'"));

    /* A code without inserts ignores extra ones. */
    fsi_error_format(IMAPI_E_READONLY, buf, sizeof buf, ins3, 3);
    assert_string_equal(buf, fsi_error_message(IMAPI_E_READONLY));
}

static void test_format_missing_inserts(void **state)
{
    (void)state;
    char buf[256];
    fsi_error_format(IMAPI_E_DUP_NAME, buf, sizeof buf, NULL, 0);
    assert_string_equal(buf, "An item named '?' already exists.");

    const char *one[] = { "/x" };
    fsi_error_format(IMAPI_E_DATA_TOO_BIG, buf, sizeof buf, one, 1);
    assert_non_null(strstr(buf, "'/x'"));
    assert_non_null(strstr(buf, "?"));
    assert_null(strchr(buf, '%'));

    const char *holes[] = { NULL, "UDF" };
    fsi_error_format(IMAPI_E_DATA_TOO_BIG, buf, sizeof buf, holes, 2);
    assert_non_null(strstr(buf, "'?'"));
    assert_non_null(strstr(buf, "UDF"));
}

static void test_format_truncates_and_returns_length(void **state)
{
    (void)state;
    const char *ins[] = { "/a/rather/long/path/name.txt" };
    char full[256];
    size_t need = fsi_error_format(IMAPI_E_NOT_FILE, full, sizeof full, ins, 1);
    assert_int_equal(need, strlen(full));

    /* Measuring only. */
    assert_int_equal(fsi_error_format(IMAPI_E_NOT_FILE, NULL, 0, ins, 1), need);

    for (size_t size = 1; size <= need + 1; size++) {
        char buf[256];
        memset(buf, 'X', sizeof buf);
        size_t n = fsi_error_format(IMAPI_E_NOT_FILE, buf, size, ins, 1);
        assert_int_equal(n, need);
        assert_int_equal(strlen(buf), size - 1);
        assert_memory_equal(buf, full, size - 1);
        assert_int_equal(buf[size], 'X');   /* nothing written past size */
    }

    char one[1] = { 'X' };
    fsi_error_format(IMAPI_E_NOT_FILE, one, 1, ins, 1);
    assert_int_equal(one[0], '\0');

    char untouched[4] = "abc";
    fsi_error_format(IMAPI_E_NOT_FILE, untouched, 0, ins, 1);
    assert_string_equal(untouched, "abc");
}

static void test_format_unknown_code(void **state)
{
    (void)state;
    char buf[64];
    size_t n = fsi_error_format(hr_of(0xC0AAB107U), buf, sizeof buf, NULL, 0);
    assert_true(n > 0);
    assert_int_equal(n, strlen(buf));
    assert_non_null(strstr(buf, "C0AAB107"));
}

/* --- fsi_error_lookup -------------------------------------------------- */

static void test_lookup(void **state)
{
    (void)state;
    fsi_hresult hr = 0;
    assert_int_equal(fsi_error_lookup("IMAPI_E_DUP_NAME", &hr), 0);
    assert_int_equal(hr, IMAPI_E_DUP_NAME);

    hr = 0;
    assert_int_equal(fsi_error_lookup("imapi_e_dup_name", &hr), 0);
    assert_int_equal(hr, IMAPI_E_DUP_NAME);
    hr = 0;
    assert_int_equal(fsi_error_lookup("Imapi_E_Dup_Name", &hr), 0);
    assert_int_equal(hr, IMAPI_E_DUP_NAME);

    hr = 0;
    assert_int_equal(fsi_error_lookup("0xC0AAB112", &hr), 0);
    assert_int_equal(hr, IMAPI_E_DUP_NAME);
    hr = 0;
    assert_int_equal(fsi_error_lookup("0xc0aab112", &hr), 0);
    assert_int_equal(hr, IMAPI_E_DUP_NAME);
    hr = 0;
    assert_int_equal(fsi_error_lookup("0XC0AAB112", &hr), 0);
    assert_int_equal(hr, IMAPI_E_DUP_NAME);

    hr = 0;
    assert_int_equal(fsi_error_lookup("-1062555374", &hr), 0);   /* signed decimal */
    assert_int_equal(hr, IMAPI_E_DUP_NAME);
    hr = 0;
    assert_int_equal(fsi_error_lookup("3232411922", &hr), 0);    /* unsigned decimal */
    assert_int_equal(hr, IMAPI_E_DUP_NAME);

    hr = 0;
    assert_int_equal(fsi_error_lookup("11186527", &hr), 0);      /* positive success code */
    assert_int_equal(hr, IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED);
    hr = 1;
    assert_int_equal(fsi_error_lookup("0", &hr), 0);
    assert_int_equal(hr, FSI_S_OK);
    hr = 0;
    assert_int_equal(fsi_error_lookup("0x80004005", &hr), 0);
    assert_int_equal(hr, FSI_E_FAIL);
    hr = 0;
    assert_int_equal(fsi_error_lookup("E_FAIL", &hr), 0);
    assert_int_equal(hr, FSI_E_FAIL);
    hr = 0;
    assert_int_equal(fsi_error_lookup("E_OUTOFMEMORY", &hr), 0);
    assert_int_equal(hr, FSI_E_OUTOFMEMORY);

    /* The general codes also answer to their libfsi macro names. */
    hr = 0;
    assert_int_equal(fsi_error_lookup("FSI_E_FAIL", &hr), 0);
    assert_int_equal(hr, FSI_E_FAIL);
    hr = 1;
    assert_int_equal(fsi_error_lookup("fsi_s_ok", &hr), 0);
    assert_int_equal(hr, FSI_S_OK);

    /* out may be NULL */
    assert_int_equal(fsi_error_lookup("IMAPI_E_NOT_DIR", NULL), 0);
}

static void test_lookup_unknown(void **state)
{
    (void)state;
    fsi_hresult hr = 12345;
    const char *bad[] = {
        "", "IMAPI_E_NO_SUCH_THING", "IMAPI_E_DUP_NAM", "IMAPI_E_DUP_NAMEX",
        " IMAPI_E_DUP_NAME", "IMAPI_E_DUP_NAME ",
        "0xC0AAB107",        /* unused code point */
        "0x", "0xG", "0x1C0AAB112", "0xC0AAB112 ", "C0AAB112",
        "-", "--1", "1e3", "+", "99999999999", "-2147483649", "4294967296",
        "0x0000FFFF", "FSI_IMAPI_E_DUP_NAME", "FSI_", "FSI_E_NOPE",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (fsi_error_lookup(bad[i], &hr) != -1)
            fail_msg("'%s' was accepted", bad[i]);
        assert_int_equal(hr, 12345);   /* untouched */
    }
    assert_int_equal(fsi_error_lookup(NULL, &hr), -1);
}

static void test_lookup_roundtrip_all(void **state)
{
    (void)state;
    for (size_t i = 0; i < fsi_error_count(); i++) {
        fsi_hresult hr = fsi_error_at(i), got;
        char text[32];
        assert_int_equal(fsi_error_lookup(fsi_error_name(hr), &got), 0);
        assert_int_equal(got, hr);
        snprintf(text, sizeof text, "0x%08X", (unsigned)(uint32_t)hr);
        assert_int_equal(fsi_error_lookup(text, &got), 0);
        assert_int_equal(got, hr);
        snprintf(text, sizeof text, "%ld", (long)hr);
        assert_int_equal(fsi_error_lookup(text, &got), 0);
        assert_int_equal(got, hr);
    }
}

/* --- our own words ------------------------------------------------------ */

/* A few of Microsoft's MessageText strings from the SDK headers (and the
 * docs page), with FormatMessage inserts like %1!ls!.  Used only to check
 * that our templates are not copies. */
static const struct { const char *name; const char *text; } microsoft[] = {
    { "IMAPI_E_DUP_NAME", "'%1!ls!' name already exists." },
    { "IMAPI_E_INVALID_PARAM", "The value specified for parameter '%1!ls!' is not valid." },
    { "IMAPI_E_READONLY", "FileSystemImage object is in read only mode." },
    { "IMAPI_E_NO_OUTPUT", "No output file system specified." },
    { "IMAPI_E_NOT_DIR", "Specified path '%1!ls!' does not identify a directory." },
    { "IMAPI_E_DIR_NOT_EMPTY", "The directory '%1!s!' is not empty." },
    { "IMAPI_E_INVALID_PATH", "Path '%1!s!' is badly formed or contains invalid characters." },
    { "IMAPI_E_ISO9660_LEVELS", "ISO9660 is limited to 8 levels of directories." },
    { "IMAPI_E_DATA_TOO_BIG", "Data file is too large for '%1!ls!' file system." },
    { "IMAPI_E_TOO_MANY_DIRS",
      "This file system image has too many directories for the %1!ls! file system." },
    { "IMAPI_E_FILE_SYSTEM_NOT_FOUND",
      "The specified disc does not contain a '%1!ls!' file system." },
    { "IMAPI_E_FSI_INTERNAL_ERROR", "Internal file system error occurred." },
    { "IMAPI_E_FSI_INTERNAL_ERROR", "Internal error occurred: %1!ls!." },
    { "E_IMAPI_REQUEST_CANCELLED", "The request was cancelled." },
    { "E_IMAPI_RECORDER_MEDIA_NO_MEDIA", "There is no media in the device." },
    { "E_IMAPI_DF2TAO_CLIENT_NAME_IS_NOT_VALID", "The client name is not valid." },
    { "E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN", "The media is inserted upside down." },
};

/* Lower case, "%1!ls!" -> "%1", runs of spaces -> one space. */
static void normalize(const char *in, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = in; *p && n + 1 < size; p++) {
        if (p[0] == '%' && p[1] >= '1' && p[1] <= '9' && p[2] == '!') {
            out[n++] = '%';
            if (n + 1 < size)
                out[n++] = p[1];
            const char *end = strchr(p + 3, '!');
            p = end ? end : p + 1;
            continue;
        }
        char c = *p;
        if (c == ' ' && n > 0 && out[n - 1] == ' ')
            continue;
        out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[n] = '\0';
}

static void test_messages_are_our_own_words(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof microsoft / sizeof microsoft[0]; i++) {
        fsi_hresult hr;
        char theirs[512], ours[512];
        assert_int_equal(fsi_error_lookup(microsoft[i].name, &hr), 0);
        normalize(microsoft[i].text, theirs, sizeof theirs);
        normalize(fsi_error_message(hr), ours, sizeof ours);
        if (!strcmp(theirs, ours))
            fail_msg("%s copies Microsoft's text \"%s\"", microsoft[i].name, microsoft[i].text);
    }
    /* And none of our templates keeps FormatMessage syntax. */
    for (size_t i = 0; i < fsi_error_count(); i++)
        assert_null(strstr(fsi_error_message(fsi_error_at(i)), "!ls!"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_has_158_codes),
        cmocka_unit_test(test_every_reference_code_present),
        cmocka_unit_test(test_header_macros_match_reference),
        cmocka_unit_test(test_general_codes_present),
        cmocka_unit_test(test_codes_missing_from_web_page_present),
        cmocka_unit_test(test_table_has_nothing_else),
        cmocka_unit_test(test_names_and_values_unique),
        cmocka_unit_test(test_templates_match_insert_lists),
        cmocka_unit_test(test_design_inserts),
        cmocka_unit_test(test_unknown_code),
        cmocka_unit_test(test_succeeded_failed),
        cmocka_unit_test(test_format_substitutes_inserts),
        cmocka_unit_test(test_format_missing_inserts),
        cmocka_unit_test(test_format_truncates_and_returns_length),
        cmocka_unit_test(test_format_unknown_code),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_lookup_unknown),
        cmocka_unit_test(test_lookup_roundtrip_all),
        cmocka_unit_test(test_messages_are_our_own_words),
    };
    return cmocka_run_group_tests_name("errors", tests, NULL, NULL);
}
