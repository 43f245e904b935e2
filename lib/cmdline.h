/* Kernel command line: "key=value" and bare flags separated by spaces.
 * Pure; unknown or malformed options are recorded, never fatal. */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H

#include "lib/types.h"

#define CMDLINE_MAX_GLOBS  32 /* every suite, and some tests besides */
#define CMDLINE_GLOB_MAX   63 /* characters of a glob */
#define CMDLINE_GLOB_LEN   (CMDLINE_GLOB_MAX + 1)
#define CMDLINE_MAX_ERRORS 4
#define CMDLINE_ERR_LEN	   96
#define CMDLINE_WORD_LEN   16

enum virt_expect { VIRT_UNSET, VIRT_NONE, VIRT_SVM, VIRT_VMX };

struct options {
	char tests[CMDLINE_MAX_GLOBS][CMDLINE_GLOB_LEN];
	unsigned nr_tests;
	bool list, verbose, report, acpidump;
	bool hold; /* wait for a key on the verdict screen before leaving */
	/* exit_ack: before leaving, send ENQ on the serial port and wait for
	 * the host's answer (a byte or BREAK on it, or a PS/2 key) that it
	 * has read the output. */
	bool exit_ack;
	/* x2apic: the APICs in x2APIC mode even when firmware left them in
	 * xAPIC mode (it is kept when firmware left it on). */
	bool x2apic;
	/* nomsi: no device gets MSI or MSI-X (as Linux's pci=nomsi, for a
	 * board whose MSIs are broken): the DMA engines poll. */
	bool nomsi;
	/* allow_unsafe_interrupts: assign a device through a unit that
	 * cannot remap interrupts (as VFIO's module parameter): the guest
	 * can then send the host any interrupt through it. */
	bool allow_unsafe_interrupts;
	/* exit=: the platform's exit modes (arch/x86/platform.h), which
	 * lib/ does not know: the word as given, "" when absent. */
	char exit[CMDLINE_WORD_LEN];
	enum virt_expect expect_virt;
	int expect_edu; /* number of edu devices the lane has; -1 if unset */
	/* Number of xHCI controllers the lane has; -1 if unset. */
	int expect_xhci;
	/* wbinvd=: the VM layer's policy names (kvmlike/policy.h), which
	 * lib/ does not know: the word as given, "" when absent; the caller
	 * checks it and records a bad one with cmdline_add_error(). */
	char wbinvd[CMDLINE_WORD_LEN];
	/* CPUs the lane starts (the smp suite checks it); -1 if unset */
	int expect_cpus;
	char console[32];
	char
	    vtd_caps[96]; /* capabilities the lane configured, name:value,... */
	int edu_dma_bits; /* edu's dma_mask width (QEMU default: 28) */
	unsigned nr_errors;
	char errors[CMDLINE_MAX_ERRORS][CMDLINE_ERR_LEN];
};

/* Parse @s into @o (which it initialises to the defaults first). Returns
 * the number of errors; their messages are in o->errors. */
unsigned cmdline_parse(const char *s, struct options *o);

/* Record an error found by a caller that checks an option's value
 * (printf-like @fmt with one %s: @arg). */
void cmdline_add_error(struct options *o, const char *fmt, const char *arg);

/* Does "suite.name" pass the tests= selection? A glob with a leading '-'
 * leaves out what it matches; the others take in what they match, or
 * everything when there are none (no selection: all pass). */
bool cmdline_selects(const struct options *o, const char *suite,
		     const char *name);

#endif
