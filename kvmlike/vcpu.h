/* vCPUs: one run loop and exit dispatch (vcpu.c) over a vendor backend
 * (vmx.c, svm.c) reached through one ops table, chosen once from CPUID.
 * The backend turns its exit into a struct vcpu_exit; the loop decides.
 *
 * Guest scripts are finite and end in HLT, and a run also stops after
 * VCPU_MAX_EXITS exits or VCPU_RUN_US of time (and, on VMX, when the
 * preemption timer fires): no run can hang the test kernel. */
#ifndef KVMLIKE_VCPU_H
#define KVMLIKE_VCPU_H

#include "kvmlike/policy.h"

#define VCPU_MAX_EXITS	 200000
#define VCPU_RUN_US	 5000000
#define VCPU_MAX_REPORTS 16

struct vm;
struct vcpu;

enum vcpu_exit_kind {
	VCPU_EXIT_WBINVD,
	VCPU_EXIT_INVD,
	VCPU_EXIT_HYPERCALL,
	VCPU_EXIT_HLT,
	VCPU_EXIT_IO,
	VCPU_EXIT_NPF,	    /* SVM nested page fault / VMX EPT violation */
	VCPU_EXIT_SHUTDOWN, /* SVM shutdown / VMX triple fault */
	VCPU_EXIT_INTR,	    /* a host interrupt: let it in, go on */
	VCPU_EXIT_WATCHDOG, /* VMX preemption timer */
	VCPU_EXIT_ENTRY_FAILED,
	VCPU_EXIT_OTHER,
};

struct vcpu_exit {
	enum vcpu_exit_kind kind;
	u64 reason;   /* VMX basic exit reason (bit 31: entry failure) or SVM
		     * EXITCODE, as the hardware gave it */
	u64 qual;     /* VMX exit qualification or SVM EXITINFO1 */
	u64 info2;    /* SVM EXITINFO2; VMX VM-instruction error */
	u64 rip;      /* guest RIP of the exiting instruction */
	unsigned len; /* its length, 0 when unknown */
	gpa_t gpa;    /* NPF */
	u16 port;     /* IO */
	u8 size;
	bool in;
};

/* Guest registers the hardware does not switch (offsets used by entry.S:
 * keep the order). RAX lives in the VMCB on SVM, here on VMX. */
struct vcpu_regs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};

_Static_assert(__builtin_offsetof(struct vcpu_regs, rdi) == 40 &&
		   __builtin_offsetof(struct vcpu_regs, r15) == 112,
	       "entry.S's R_* offsets");

/* Which instruction set the backend drives: what the guest stub's
 * hypercall is (VMCALL or VMMCALL) and how raw exit codes read. */
enum vcpu_vendor { VCPU_VMX, VCPU_SVM };

/* A backend's exit codes, as a table: code -> kind. */
struct vcpu_exit_code {
	u64 code;
	enum vcpu_exit_kind kind;
};

struct vcpu_ops {
	const char *name;
	enum vcpu_vendor vendor;
	const struct pt_format *nested_fmt;
	/* Per-CPU enable/disable (VMXON/VMXOFF, EFER.SVME). */
	int (*hw_enable)(void);
	void (*hw_disable)(void);
	/* Turn off whatever a test aborted mid-run left on. */
	void (*hw_force_off)(void);
	int (*create)(struct vcpu *v);
	void (*destroy)(struct vcpu *v);
	/* Guest state at the stub's entry: RIP, RSP, flat segments, PAT. */
	void (*reset)(struct vcpu *v);
	/* Enter the guest once; on return @e describes the exit. 0, or an
	 * error when the entry instruction itself failed. */
	int (*enter)(struct vcpu *v, struct vcpu_exit *e);
	void (*skip)(struct vcpu *v, unsigned len);
	void (*set_wbinvd_exiting)(struct vcpu *v, bool on);
	bool (*wbinvd_exiting)(struct vcpu *v);
	/* The nested tables' root or attributes changed: load the root and
	 * drop cached translations before the next entry. */
	void (*nested_changed)(struct vcpu *v);
};

/* Requests, applied before the next entry on the vCPU's own CPU. */
#define VCPU_REQ_COHERENCY BIT(0) /* WBINVD exiting and EPT memory type */
#define VCPU_REQ_NESTED	   BIT(1) /* nested tables changed: flush */

struct vcpu_stats {
	u64 entries, exits, wbinvd_exits, invd_exits, hypercalls, io_exits;
	u64 hlt_exits, npf_exits, intr_exits, flushes, requests_applied;
	u64 nested_reloads;
	u64 invd_rip, wbinvd_rip; /* where the last such exit happened */
};

struct vcpu_report {
	u32 code, a, b;
};

enum vcpu_stop {
	VCPU_STOP_HALT,	    /* the guest halted: its script ended */
	VCPU_STOP_NPF,	    /* touched unmapped memory: last_exit.gpa */
	VCPU_STOP_SHUTDOWN, /* triple fault: the vCPU is dead */
};

struct vcpu {
	struct vm *vm;
	const struct vcpu_ops *ops;
	void *hw; /* the backend's state */
	struct vcpu_regs regs;
	unsigned requests;
	int cpu;	   /* the physical CPU it last ran on, -1 before */
	hpa_t nested_root; /* the EPT/NPT root its VMCS/VMCB holds */
	bool dead;
	struct kvmc_dirty dirty;
	struct vcpu_stats stats;
	struct vcpu_exit last_exit;
	struct vcpu_report reports[VCPU_MAX_REPORTS];
	unsigned nr_reports;
	bool done; /* the guest reported GHC_DONE */
	u32 steps_done;
};

/* The backend for this CPU, or NULL (no VMX or SVM, or no EPT/NPT). */
const struct vcpu_ops *vcpu_ops_detect(void);
extern const struct vcpu_ops vmx_ops, svm_ops;

/* A vCPU at the stub's entry, with a request to apply the VM's current
 * coherency answer before its first entry. */
int vcpu_init(struct vcpu *v, struct vm *vm);
void vcpu_fini(struct vcpu *v);
/* Back to the stub's entry with zeroed registers, reports and stats;
 * pending requests and the dirty mask are kept. A dead vCPU stays dead. */
void vcpu_restart(struct vcpu *v);
/* Run until the guest halts (0, *stop = VCPU_STOP_HALT), touches unmapped
 * memory or shuts down (0, *stop says which), or something else happens:
 * -EIO for an exit the loop does not handle (reason and qualification
 * printed, last_exit kept, the vCPU dead: destroy the VM), -ETIMEDOUT, or
 * the backend's entry error. */
int vcpu_run(struct vcpu *v, enum vcpu_stop *stop);
void vcpu_request(struct vcpu *v, unsigned req);
const char *vcpu_exit_name(enum vcpu_exit_kind k);
/* The kind of exit @code in a backend's table; VCPU_EXIT_OTHER if absent. */
enum vcpu_exit_kind vcpu_exit_kind_of(const struct vcpu_exit_code *t,
				      unsigned n, u64 code);
/* Find the last report with @code; NULL when none. */
const struct vcpu_report *vcpu_report_find(const struct vcpu *v, u32 code);

#endif
