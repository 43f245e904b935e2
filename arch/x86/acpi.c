/* ACPI table discovery. Firmware input is hostile: every length is checked
 * before the bytes behind it are read. Runs before the kernel's own page
 * tables, under the boot identity map of the low 4 GiB. */
#include "arch/x86/acpi.h"
#include "lib/errno.h"
#include "lib/string.h"

static struct acpi_table tables[ACPI_MAX_TABLES];
static unsigned nr_tables;
static hpa_t rsdp_pa;
static const char *error;
static struct mcfg_segment mcfg[ACPI_MCFG_MAX];
static unsigned nr_mcfg;
static u8 rsdp_copy[ACPI_RSDP_LEN];

bool acpi_checksum_ok(const void *p, size_t len)
{
	const u8 *b = p;
	u8 sum = 0;

	while (len--)
		sum += *b++;
	return sum == 0;
}

static bool rsdp_valid(const u8 *p)
{
	if (memcmp(p + ACPI_RSDP_SIGNATURE, "RSD PTR ", 8) ||
	    !acpi_checksum_ok(p, ACPI_RSDP_CHECKSUM_LEN))
		return false;
	/* ACPI 2.0+: 36-byte structure with an extended checksum. */
	return p[ACPI_RSDP_REVISION] < 2 || acpi_checksum_ok(p, ACPI_RSDP_LEN);
}

static const u8 *scan(hpa_t start, hpa_t end)
{
	for (hpa_t a = start; a + ACPI_RSDP_LEN <= end; a += ACPI_RSDP_ALIGN)
		if (rsdp_valid((const u8 *)a))
			return (const u8 *)a;
	return NULL;
}

/* ACPI 6.4 section 5.2.5.1: the first KiB of the EBDA, then 0xe0000-0xfffff. */
static const u8 *find_rsdp(const struct boot_info *bi)
{
	hpa_t ebda = (hpa_t)(*(const u16 *)ACPI_BDA_EBDA_SEGMENT) << 4;
	const u8 *p;

	if (bi->has_rsdp && rsdp_valid(bi->rsdp)) {
		memcpy(rsdp_copy, bi->rsdp, sizeof(rsdp_copy));
		return rsdp_copy;
	}
	if (ebda >= 0x80000 && ebda < 0xa0000 &&
	    (p = scan(ebda, ebda + ACPI_EBDA_SCAN_LEN)))
		return p;
	return scan(ACPI_BIOS_AREA_START, ACPI_BIOS_AREA_END);
}

static void record(hpa_t pa)
{
	const struct acpi_header *h = (const void *)pa;
	struct acpi_table *t;

	if (!pa || pa >= (1ULL << 32) || nr_tables == ACPI_MAX_TABLES)
		return;
	t = &tables[nr_tables++];
	memcpy(t->sig, h->sig, 4);
	t->sig[4] = 0;
	t->pa = pa;
	t->len = h->length;
	t->checksum_ok = h->length >= sizeof(*h) && h->length <= ACPI_MAX_LEN &&
			 pa + h->length <= (1ULL << 32) &&
			 acpi_checksum_ok(h, h->length);
}

static void parse_mcfg(const struct acpi_header *h)
{
	for (u32 off = ACPI_MCFG_ENTRIES;
	     off + ACPI_MCFG_ENTRY_LEN <= h->length && nr_mcfg < ACPI_MCFG_MAX;
	     off += ACPI_MCFG_ENTRY_LEN) {
		const u8 *e = (const u8 *)h + off;
		mcfg[nr_mcfg++] = (struct mcfg_segment){
			*(const u64 *)(e + ACPI_MCFG_BASE),
			*(const u16 *)(e + ACPI_MCFG_SEGMENT),
			e[ACPI_MCFG_BUS_START], e[ACPI_MCFG_BUS_END]
		};
	}
}

/* The DSDT and FACS are reached through the FADT, not the XSDT. */
static void record_fadt_children(void)
{
	const struct acpi_header *f = acpi_find("FACP");

	if (!f)
		return;
	const u8 *b = (const u8 *)f;
	u64 dsdt = f->length >= ACPI_FADT_X_DSDT + 8
		       ? *(const u64 *)(b + ACPI_FADT_X_DSDT)
		       : 0;
	if (!dsdt && f->length >= ACPI_FADT_DSDT + 4)
		dsdt = *(const u32 *)(b + ACPI_FADT_DSDT);
	record(dsdt);
}

int acpi_init(const struct boot_info *bi)
{
	const u8 *rsdp = find_rsdp(bi);

	if (!rsdp) {
		error = "no RSDP found (loader tags, EBDA, BIOS area)";
		return -ENOENT;
	}
	rsdp_pa = (hpa_t)rsdp;
	u64 xsdt = rsdp[ACPI_RSDP_REVISION] >= 2
		       ? *(const u64 *)(rsdp + ACPI_RSDP_XSDT)
		       : 0;
	u64 root = xsdt ? xsdt : *(const u32 *)(rsdp + ACPI_RSDP_RSDT);
	unsigned esize = xsdt ? ACPI_XSDT_ENTRY_SIZE : ACPI_RSDT_ENTRY_SIZE;
	record(root);
	if (!nr_tables || !tables[0].checksum_ok) {
		error = xsdt ? "XSDT invalid (length or checksum)"
			     : "RSDT invalid (length or checksum)";
		return -EBADMSG;
	}
	const u8 *ents = (const u8 *)root + sizeof(struct acpi_header);
	u32 n = (tables[0].len - sizeof(struct acpi_header)) / esize;
	for (u32 i = 0; i < n; i++)
		record(esize == ACPI_XSDT_ENTRY_SIZE
			   ? *(const u64 *)(ents + esize * i)
			   : *(const u32 *)(ents + esize * i));
	record_fadt_children();
	const struct acpi_header *m = acpi_find("MCFG");
	if (m)
		parse_mcfg(m);
	return 0;
}

const struct acpi_header *acpi_find(const char *sig)
{
	for (unsigned i = 0; i < nr_tables; i++)
		if (!memcmp(tables[i].sig, sig, 4) && tables[i].checksum_ok)
			return (const void *)tables[i].pa;
	return NULL;
}

unsigned acpi_tables(const struct acpi_table **out)
{
	*out = tables;
	return nr_tables;
}

hpa_t acpi_rsdp_pa(void)
{
	return rsdp_pa;
}

const char *acpi_error(void)
{
	return error;
}

unsigned acpi_mcfg(const struct mcfg_segment **out)
{
	*out = mcfg;
	return nr_mcfg;
}
