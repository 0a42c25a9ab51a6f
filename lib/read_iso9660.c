/* read_iso9660.c - STUB: replaced by the ISO9660/Joliet reader. */
#include "config.h"
#include "reader.h"
static fsi_hresult absent(fsi_disc *d, unsigned f, void **v, fsi_volume_info *vol, struct rd_dirref *r)
{ (void)d; (void)f; (void)v; (void)vol; (void)r; return IMAPI_E_FILE_SYSTEM_NOT_FOUND; }
const struct rd_reader rd_iso9660 = { FSI_FS_ISO9660, "ISO9660", absent, NULL, NULL, NULL };
const struct rd_reader rd_joliet = { FSI_FS_JOLIET, "Joliet", absent, NULL, NULL, NULL };
