/* read_udf.c - STUB: replaced by the UDF reader. */
#include "config.h"
#include "reader.h"
static fsi_hresult absent(fsi_disc *d, unsigned f, void **v, fsi_volume_info *vol, struct rd_dirref *r)
{ (void)d; (void)f; (void)v; (void)vol; (void)r; return IMAPI_E_FILE_SYSTEM_NOT_FOUND; }
const struct rd_reader rd_udf = { FSI_FS_UDF, "UDF", absent, NULL, NULL, NULL };
