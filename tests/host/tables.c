/* Loading the iasl-compiled tables for the host tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "iommu/vtd/dmar.h"
#include "tests/host/tables.h"

void table_fix_checksum(u8 *t, size_t len)
{
	u8 sum = 0;

	t[DMAR_HDR_CHECKSUM] = 0;
	for (size_t i = 0; i < len; i++)
		sum += t[i];
	t[DMAR_HDR_CHECKSUM] = (u8)-sum;
}

u8 *table_load(const char *name, size_t *len)
{
	const char *dir = getenv("VTD_TABLES");
	char path[1024];
	u8 tmp[8192], *t;
	FILE *f;

	if (!dir)
		fail_msg("VTD_TABLES is not set (the directory of .aml files)");
	snprintf(path, sizeof(path), "%s/%s.aml", dir, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	*len = fread(tmp, 1, sizeof(tmp), f);
	fclose(f);
	assert_in_range(*len, 36, sizeof(tmp) - 1);
	t = malloc(*len);
	assert_non_null(t);
	memcpy(t, tmp, *len);
	if (!memcmp(t, "XMAR", 4)) {
		memcpy(t, "DMAR", 4);
		table_fix_checksum(t, *len);
	}
	return t;
}
