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
static struct mcfg_segment mcfg[8];
static unsigned nr_mcfg;
static u8 rsdp_copy[36];

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
	if (memcmp(p, "RSD PTR ", 8) || !acpi_checksum_ok(p, 20))
		return false;
	/* ACPI 2.0+: 36-byte structure with an extended checksum. */
	return p[15] < 2 || acpi_checksum_ok(p, 36);
}

static const u8 *scan(hpa_t start, hpa_t end)
{
	for (hpa_t a = start; a + 36 <= end; a += 16)
		if (rsdp_valid((const u8 *)a))
			return (const u8 *)a;
	return NULL;
}

/* ACPI 6.4 section 5.2.5.1: the first KiB of the EBDA, then 0xe0000-0xfffff. */
static const u8 *find_rsdp(const struct boot_info *bi)
{
	hpa_t ebda = (hpa_t)(*(const u16 *)0x40e) << 4;
	const u8 *p;

	if (bi->has_rsdp && rsdp_valid(bi->rsdp)) {
		memcpy(rsdp_copy, bi->rsdp, sizeof(rsdp_copy));
		return rsdp_copy;
	}
	if (ebda >= 0x80000 && ebda < 0xa0000 && (p = scan(ebda, ebda + 1024)))
		return p;
	return scan(0xe0000, 0x100000);
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
	/* 8 reserved bytes after the header, then 16-byte allocations. */
	for (u32 off = 44; off + 16 <= h->length && nr_mcfg < 8; off += 16) {
		const u8 *e = (const u8 *)h + off;
		mcfg[nr_mcfg++] = (struct mcfg_segment){ *(const u64 *)e,
							 *(const u16 *)(e + 8),
							 e[10], e[11] };
	}
}

/* The DSDT and FACS are reached through the FADT, not the XSDT. */
static void record_fadt_children(void)
{
	const struct acpi_header *f = acpi_find("FACP");

	if (!f)
		return;
	const u8 *b = (const u8 *)f;
	u64 dsdt = f->length >= 148 ? *(const u64 *)(b + 140) : 0;
	if (!dsdt && f->length >= 44)
		dsdt = *(const u32 *)(b + 40);
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
	u64 xsdt = rsdp[15] >= 2 ? *(const u64 *)(rsdp + 24) : 0;
	u64 root = xsdt ? xsdt : *(const u32 *)(rsdp + 16);
	unsigned esize = xsdt ? 8 : 4;
	record(root);
	if (!nr_tables || !tables[0].checksum_ok) {
		error = xsdt ? "XSDT invalid (length or checksum)"
			     : "RSDT invalid (length or checksum)";
		return -EBADMSG;
	}
	const u8 *ents = (const u8 *)root + sizeof(struct acpi_header);
	u32 n = (tables[0].len - sizeof(struct acpi_header)) / esize;
	for (u32 i = 0; i < n; i++)
		record(esize == 8 ? *(const u64 *)(ents + 8 * i)
				  : *(const u32 *)(ents + 4 * i));
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
