/* The raw ACPI tables in the text format of ACPICA's acpidump, so that
 * acpixtract and iasl -d read them. Every line carries the prefix
 * "# acpidump: " to stay out of the KTAP report; without it the lines are
 * acpidump's own output:
 *
 *   sed -n 's/^# acpidump: //p' serial.log | tr -d '\r' > acpidump.txt
 *
 * The format (ACPICA tools/acpidump/apdump.c and utilities/utbuffer.c,
 * DB_BYTE_DISPLAY): a header line "SIG @ 0x" and 16 hex digits of the
 * physical address; per 16 bytes the offset as "%8.4X: ", the bytes as
 * "%02X ", three spaces per byte missing from the last line, a space, the
 * bytes as ASCII ('.' unless printable); an empty line after each table. */
#include "arch/x86/acpi.h"
#include "arch/x86/console.h"
#include "lib/printf.h"
#include "kernel/acpidump.h"

#define PREFIX "# acpidump: "

static void dump_row(const u8 *p, u32 off, u32 n)
{
	char line[100];
	int k = ksnprintf(line, sizeof(line), "%s    %04X: ", PREFIX, off);

	for (u32 i = 0; i < 16; i++)
		k += i < n
			 ? ksnprintf(line + k, sizeof(line) - (size_t)k,
				     "%02X ", p[i])
			 : ksnprintf(line + k, sizeof(line) - (size_t)k, "   ");
	k += ksnprintf(line + k, sizeof(line) - (size_t)k, " ");
	for (u32 i = 0; i < n; i++)
		line[k++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
	line[k++] = '\n';
	console_write(line, (size_t)k);
}

static void dump(const char *sig, hpa_t pa, const u8 *p, u32 len)
{
	kprintf("%s%s @ 0x%016lX\n", PREFIX, sig, pa);
	for (u32 off = 0; off < len; off += 16)
		dump_row(p + off, off, len - off < 16 ? len - off : 16);
	kprintf("%s\n", PREFIX);
}

/* The RSDP is 20 bytes before ACPI 2.0 (revision 0), 36 from then on. */
static void dump_rsdp(void)
{
	const u8 *p = (const u8 *)acpi_rsdp_pa();

	if (p)
		dump("RSDP", acpi_rsdp_pa(), p, p[15] >= 2 ? 36 : 20);
}

void acpidump_print(void)
{
	const struct acpi_table *t;
	unsigned n = acpi_tables(&t), bad = 0;

	kprintf("# acpi: %u tables follow in acpidump format\n",
		n + (acpi_rsdp_pa() != 0));
	dump_rsdp();
	for (unsigned i = 0; i < n; i++) {
		/* Only checksummed tables are mapped (main.c keeps them). */
		if (t[i].checksum_ok)
			dump(t[i].sig, t[i].pa, (const u8 *)t[i].pa, t[i].len);
		else
			bad++;
	}
	kprintf("# acpi: end of the tables\n");
	for (unsigned i = 0; i < n && bad; i++)
		if (!t[i].checksum_ok)
			kprintf("# acpi: %s at 0x%lx not dumped: bad length or "
				"checksum\n",
				t[i].sig, t[i].pa);
}
