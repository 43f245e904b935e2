/* kmain: bring the platform up, run the selected suites, exit with the
 * verdict. Problems on the way are recorded in kstate for the boot suite
 * to report; nothing here stops the run except a missing console. */
#include "arch/x86/acpi.h"
#include "arch/x86/apic.h"
#include "arch/x86/console.h"
#include "arch/x86/cpu.h"
#include "arch/x86/ioapic.h"
#include "arch/x86/mm.h"
#include "arch/x86/pci.h"
#include "arch/x86/platform.h"
#include "arch/x86/smp.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "kvmlike/assign.h"
#include "kvmlike/kvm.h"
#include "kvmlike/policy.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "lib/test.h"
#include "kernel/kstate.h"
#include "kernel/acpidump.h"
#include "kernel/harness.h"
#include "kernel/report.h"
#include "kernel/verdict.h"
#include "drivers/edu.h"
#include "drivers/xhci.h"
#include "iommu/vtd/vtd.h"

struct kernel_state kstate;

static void build_cmdline(void)
{
	char extra[256];
	int n = platform_fwcfg_args(extra, sizeof(extra));

	ksnprintf(kstate.cmdline, sizeof(kstate.cmdline), "%s%s%s",
		  kstate.boot.cmdline,
		  n > 0 && kstate.boot.cmdline[0] ? " " : "",
		  n > 0 ? extra : "");
}

/* ACPI tables are kept out of the allocator. */
static unsigned acpi_ranges(struct mem_range *r, unsigned cap)
{
	const struct acpi_table *t;
	unsigned n = acpi_tables(&t), k = 0;

	if (acpi_rsdp_pa() && k < cap)
		r[k++] = (struct mem_range){ acpi_rsdp_pa(), 36, 0 };
	for (unsigned i = 0; i < n && k < cap; i++)
		if (t[i].checksum_ok)
			r[k++] = (struct mem_range){ t[i].pa, t[i].len, 0 };
	return k;
}

static void platform_up(void)
{
	struct mem_range keep[16];

	kstate.acpi_err = acpi_init(&kstate.boot);
	platform_detect();
	build_cmdline();
	cmdline_parse(kstate.cmdline, &kstate.opts);
	if (kvmc_policy_parse(kstate.opts.wbinvd) < 0) /* names: kvmlike/ */
		cmdline_add_error(&kstate.opts,
				  "bad value in option 'wbinvd=%s'",
				  kstate.opts.wbinvd);
	int exit_mode = platform_exit_mode_parse(kstate.opts.exit);
	if (exit_mode < 0)
		cmdline_add_error(&kstate.opts, "bad value in option 'exit=%s'",
				  kstate.opts.exit);
	else
		platform_set_exit_mode((enum exit_mode)exit_mode);
	platform_set_exit_ack(kstate.opts.exit_ack);
	if (kstate.opts.console[0])
		kstate.console_err = console_configure(kstate.opts.console);
	kstate.mm_err = mm_init(&kstate.boot, keep, acpi_ranges(keep, 16));
	console_screen_init(kstate.mm_err == 0);
	kstate.tsc_err = tsc_calibrate();
	kstate.apic_err = apic_init(kstate.opts.x2apic);
	kstate.ioapics = ioapic_mask_all(&kstate.ioapic_unmasked);
	smp_init(&kstate.boot);		/* outcome: smp_info() */
	kstate.virt_err = vm_hw_load(); /* SVM: on from here, as KVM's load */
	kstate.pci_err = pci_init();
	vtd_platform_init(
	    &kstate.boot); /* outcome: vtd_dmar(), vtd_nr_units() */
	if (kstate.opts.nomsi)
		pci_msi_off();
	assign_allow_unsafe_interrupts(kstate.opts.allow_unsafe_interrupts);
	edu_probe(kstate.opts.edu_dma_bits);
	xhci_probe(); /* outcome: dma_find("xhci"), xhci_probed() */
}

static void print_banner(void)
{
	const struct options *o = &kstate.opts;

	kprintf("# vtdtest: %s, multiboot%d from \"%s\", cmdline \"%s\"\n",
		platform_name(), kstate.boot.version, kstate.boot.loader,
		kstate.cmdline);
	for (unsigned i = 0; i < MIN(o->nr_errors, CMDLINE_MAX_ERRORS); i++)
		kprintf("# error: command line: %s\n", o->errors[i]);
	if (kstate.boot.error)
		kprintf("# error: boot info: %s\n", kstate.boot.error);
	if (kstate.acpi_err)
		kprintf("# error: ACPI: %s\n", acpi_error());
	if (kstate.console_err)
		kprintf("# error: console=%s: %s; consoles unchanged\n",
			o->console, strerror_k(kstate.console_err));
	if (kstate.ioapics < 0 && kstate.ioapics != -ENODEV)
		kprintf("# error: I/O APIC: its pins could not be masked: %s\n",
			strerror_k(kstate.ioapics));
	if (kstate.ioapic_unmasked)
		kprintf(
		    "# ioapic: %u pin(s) left unmasked before the kernel "
		    "started, now masked: the kernel routes nothing through "
		    "the I/O APIC\n",
		    kstate.ioapic_unmasked);
	if (kstate.virt_err == 0)
		kprintf("# kvm: SVM on, every CPU, from boot: VMs neither turn "
			"it on nor off (as KVM's enable_virt_at_load)\n");
	else if (kstate.virt_err != -ENODEV && kstate.virt_err != -EOPNOTSUPP)
		kprintf("# kvm: SVM could not be turned on at boot: %s; each "
			"VM tries again\n",
			strerror_k(kstate.virt_err));
	console_report();
}

/* The platform's reports come first. "report" then runs the boot suite
 * alone (unless tests= says otherwise): the memory map, ACPI tables, TSC
 * and APIC the reports rest on, checked, so that the run is a KTAP
 * document with tests (a plan of 1..0 reads as "no tests ran" to KTAP
 * consumers). */
static void reports(void)
{
	struct options *o = &kstate.opts;

	report_units();
	report_engines();
	report_coherency(o);
	if (o->report && !o->nr_tests) {
		memcpy(o->tests[0], "boot", sizeof("boot"));
		o->nr_tests = 1;
	}
}

void kmain(u32 magic, u32 info_pa);
void kmain(u32 magic, u32 info_pa)
{
	bootinfo_parse(&kstate.boot, magic, (const void *)(uintptr_t)info_pa);
	console_init(&kstate.boot);
	/* A line break first: a loader or firmware may have left the
	 * cursor mid-line (a bare carriage return), and KTAP's first line
	 * must start a line. */
	kprintf("\nKTAP version 1\n");
	trap_init();
	harness_init();
	platform_up();
	print_banner();
	irq_enable();
	if (kstate.opts.acpidump)
		acpidump_print();
	if (kstate.opts.list) {
		test_list(&kstate.opts);
		platform_exit(kstate.opts.nr_errors == 0);
	}
	reports();
	bool pass = test_run_all(&kstate.opts) && kstate.opts.nr_errors == 0;
	report_verdict(&kstate.opts, pass);
	platform_exit(pass);
}
