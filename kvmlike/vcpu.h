/* vCPUs: one run loop and exit dispatch (vcpu.c) with the emulation of
 * what a contained guest may not do itself (emulate.c: MSRs, CPUID, CR0,
 * instruction lengths) over a vendor backend (vmx.c, svm.c) reached
 * through one ops table, chosen once from CPUID. The backend turns its
 * exit into a struct vcpu_exit; the loop decides.
 *
 * A run stops after VCPU_MAX_EXITS exits or v->run_us of time, whatever
 * the guest does: a watchdog (the VMX preemption timer, else the local
 * APIC timer with the interrupt intercepted) forces an exit when the
 * time is up, so that even a guest spinning with interrupts off is
 * stopped and the test kernel goes on. */
#ifndef KVMLIKE_VCPU_H
#define KVMLIKE_VCPU_H

#include "arch/x86/tsc.h"
#include "kvmlike/policy.h"

#define VCPU_MAX_EXITS	 200000
#define VCPU_RUN_US	 5000000
#define VCPU_MAX_REPORTS 16

/* Exception vectors (SDM vol. 3A table 6-1) the host gives a guest. */
#define X86_RFLAGS_TF BIT(8)
#define X86_VEC_DB    1
#define X86_VEC_NMI   2
#define X86_VEC_UD    6
#define X86_VEC_GP    13
#define X86_VEC_AC    17
#define X86_VEC_MC    18

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
	VCPU_EXIT_MSR,	     /* RDMSR/WRMSR: every MSR is intercepted */
	VCPU_EXIT_CPUID,     /* emulated: no VMX/SVM, a hypervisor */
	VCPU_EXIT_CR,	     /* MOV to/from a CR the host owns bits of */
	VCPU_EXIT_ESCAPE,    /* a virtualization instruction: #UD */
	VCPU_EXIT_XSETBV,    /* the host's XCR0 is not the guest's: #GP */
	VCPU_EXIT_NMI,	     /* a host NMI: the host's, not the guest's */
	VCPU_EXIT_EXCEPTION, /* a guest exception: reflected */
	VCPU_EXIT_INIT,	     /* INIT signal: not modelled */
	VCPU_EXIT_MISCONFIG, /* EPT misconfiguration: a host bug */
	VCPU_EXIT_MCE,	     /* a machine check: the host's, ends the run */
	VCPU_EXIT_SMI,	     /* SVM: an SMI, taken by the host after it */
	VCPU_EXIT_MWAIT,     /* MONITOR, MWAIT: refused with #UD */
	VCPU_EXIT_OTHER,
	VCPU_EXIT_NR_KINDS,
};

/* An event, in the format VMX's VM-entry interruption information and
 * IDT-vectoring information (SDM vol. 3C 24.8.3, 24.9.3) and SVM's
 * EVENTINJ and EXITINTINFO (APM vol. 2 15.20, 15.7.2) share. */
#define VCPU_EV_VECTOR	 GENMASK(7, 0)
#define VCPU_EV_TYPE	 GENMASK(10, 8)
#define VCPU_EV_TYPE_NMI 2
#define VCPU_EV_TYPE_EXC 3 /* hardware exception */
#define VCPU_EV_HAS_ERR	 BIT(11)
#define VCPU_EV_VALID	 BIT(31)

struct vcpu_event {
	u32 info; /* 0: none */
	u32 err;
	u32 len; /* VMX software events: the instruction's length */
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
	bool write; /* MSR, CR: a write */
	u8 cr;	    /* CR: which */
	s8 gpr;	    /* CR: the register (SDM table 3-1 numbering), -1
		       * when the backend does not say (decoded then) */
	struct vcpu_event vectoring; /* an event whose delivery the exit
				      * interrupted: re-injected */
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
	/* Past an emulated instruction: RIP += len, the STI/MOV-SS shadow
	 * cleared. True when the guest single-steps (RFLAGS.TF): the caller
	 * injects the #DB (the backend has set DR6.BS where it keeps it). */
	bool (*skip)(struct vcpu *v, unsigned len);
	/* The guest's view of CR0/CR3/CR4, and setting it: the backend keeps
	 * the bits the host owns (CR0.CD and NW, CR4.VMXE) out of hardware. */
	u64 (*get_cr)(struct vcpu *v, unsigned cr);
	void (*set_cr)(struct vcpu *v, unsigned cr, u64 val);
	/* The guest's EFER and PAT as the hardware switches them. */
	void (*set_efer)(struct vcpu *v, u64 efer);
	void (*set_pat)(struct vcpu *v, u64 pat);
	u64 (*get_rip)(struct vcpu *v);
	/* Make an exit happen once the TSC reaches @end, at once if it has
	 * (0: disarm). Called before every entry with the run's deadline. */
	void (*arm_watchdog)(struct vcpu *v, deadline_t end);
	void (*set_wbinvd_exiting)(struct vcpu *v, bool on);
	bool (*wbinvd_exiting)(struct vcpu *v);
	/* The nested tables' root or attributes changed: load the root and
	 * drop cached translations before the next entry. 0, or the error
	 * of a flush that failed (the vCPU must not enter). */
	int (*nested_changed)(struct vcpu *v);
};

/* Requests, applied before the next entry on the vCPU's own CPU. */
#define VCPU_REQ_COHERENCY BIT(0) /* WBINVD exiting and EPT memory type */
#define VCPU_REQ_NESTED	   BIT(1) /* nested tables changed: flush */

struct vcpu_stats {
	u64 entries, exits, wbinvd_exits, invd_exits, hypercalls, io_exits;
	u64 hlt_exits, npf_exits, intr_exits, flushes, requests_applied;
	u64 nested_reloads, msr_exits, cr_exits, cpuid_exits, contained;
	u64 injected, reinjected, migrations;
	u64 exception_exits;	  /* intercepted guest exceptions, reflected */
	u64 exception_vector;	  /* the last one's vector */
	u64 transition_flushes;	  /* strict: CPUs flushed at the transition */
	u64 idles;		  /* GHC_IDLE hypercalls: the guest waited */
	u64 invd_rip, wbinvd_rip; /* where the last such exit happened */
};

struct vcpu_report {
	u32 code, a, b;
};

enum vcpu_stop {
	VCPU_STOP_HALT,		 /* the guest halted: its script ended */
	VCPU_STOP_NPF,		 /* touched unmapped memory: last_exit.gpa */
	VCPU_STOP_SHUTDOWN,	 /* triple fault: the vCPU is dead */
	VCPU_STOP_WATCHDOG,	 /* ran v->run_us without ending: stopped */
	VCPU_STOP_MACHINE_CHECK, /* a #MC in guest mode: the vCPU is dead */
};

/* MSRs the guest has its own copy of (emulate.c); every other MSR is a
 * #GP. None of them is ever the host's register. */
#define VCPU_MTRR_VAR 8
struct vcpu_msrs {
	u64 efer, pat, apic_base;
	u64 mtrr_def_type, mtrr_fixed[11], mtrr_var[2 * VCPU_MTRR_VAR];
	u64 star, lstar, cstar, sfmask, kernel_gs_base;
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
};

/* What the guest tried that the host refused or emulated, as the host
 * saw it: the exit, and what it did about it. */
struct vcpu_contained {
	struct vcpu_exit exit;
	u64 rax, rcx, rdx; /* the guest's operands */
	u8 injected;	   /* the exception the guest got, or 0xff */
};

struct vcpu {
	struct vm *vm;
	const struct vcpu_ops *ops;
	void *hw; /* the backend's state */
	struct vcpu_regs regs;
	unsigned requests;
	int cpu;	   /* the logical CPU it last ran on, -1 before */
	hpa_t nested_root; /* the EPT/NPT root its VMCS/VMCB holds */
	/* Flushes of its nested translations the backend did (INVEPT at
	 * creation and on a new root; SVM: entries with TLB_CONTROL set).
	 * Never reset: the first comes before the first entry. */
	u64 tlb_flushes;
	bool dead;
	struct kvmc_dirty dirty;
	struct vcpu_stats stats;
	struct vcpu_exit last_exit;
	struct vcpu_event pending; /* injected at the next entry */
	struct vcpu_msrs msrs;
	struct vcpu_contained contained; /* the last one */
	u64 run_us;			 /* a run's time budget */
	u64 ran_us; /* the last run: its start to its last exit */
	struct vcpu_report reports[VCPU_MAX_REPORTS];
	unsigned nr_reports;
	bool done; /* the guest reported GHC_DONE */
	u32 steps_done;
};

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
/* Queue a hardware exception for the next entry (an event already
 * pending, a re-injection, goes first and this one is dropped). */
void vcpu_queue_exception(struct vcpu *v, u8 vector, bool has_err, u32 err);

#endif
