/* ACPI tables compiled from tests/tables/ by iasl, for the host tests. */
#ifndef TESTS_HOST_TABLES_H
#define TESTS_HOST_TABLES_H

#include <stddef.h>
#include "lib/types.h"

/* $VTD_TABLES/<name>.aml in a heap buffer of exactly its size (free it).
 * Raw-data tables written under the signature "XMAR" (iasl recomputes a
 * DMAR's lengths and checksum, so malformed ones are spelled as bytes)
 * are renamed DMAR and their checksum fixed. Fails the test if absent. */
u8 *table_load(const char *name, size_t *len);
/* Make the bytes of a table sum to zero again after a corruption. */
void table_fix_checksum(u8 *t, size_t len);

#endif
