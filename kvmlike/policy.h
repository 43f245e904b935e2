/* The VM's coherency answer and its WBINVD policy, as pure logic: no
 * hardware, no VT-d, so that the host tests cover every decision.
 *
 * A VM asks one question of its DMA domains: does any attached domain not
 * enforce snooping? The answer is a counter (KVM's noncoherent_dma_count)
 * changed by attach, detach and a domain's upgrade to enforced coherency,
 * never recomputed by scanning. Each attached domain keeps the coherency
 * it was counted with, so that a detach undoes exactly what its attach or
 * upgrade did.
 *
 * The policies (DESIGN.md, "The semantics it implements"):
 *  auto   WBINVD exiting while every domain is coherent, and the exit is a
 *         no-op; off while any is not, so the guest's WBINVD runs natively.
 *  kvm    WBINVD always exits; it is emulated (the caches flushed on every
 *         physical CPU the vCPU ran on since the last flush: KVM's
 *         wbinvd_dirty_mask) only while a domain is non-coherent.
 *  strict as auto, and it closes the window KVM leaves at the coherent ->
 *         non-coherent transition: a guest that ran coherent had its
 *         WBINVD skipped, so lines it dirtied then, on any CPU, may still
 *         sit in caches a non-coherent device will not snoop. Before the
 *         next entry every CPU the VM ever ran on is flushed
 *         (kvmc_take_transition_flush). Asked to (kvmc_set_refuse), strict
 *         refuses such a domain instead.
 *
 * The caller owns the structs and serialises calls on one VM. */
#ifndef KVMLIKE_POLICY_H
#define KVMLIKE_POLICY_H

#include "arch/x86/cpumask.h"
#include "lib/types.h"

/* The policies; their names on the command line (wbinvd=NAME) and in
 * reports are kvmc_policy_name()'s, spelled out once in policy.c. lib/
 * cmdline keeps the word as given; kvmc_policy_parse() turns it into one. */
enum wbinvd_policy {
	WBINVD_AUTO, /* the default */
	WBINVD_KVM,
	WBINVD_STRICT,
	WBINVD_NR_POLICIES
};

#define KVMC_MAX_DOMAINS 8

struct kvmc_domain {
	const void *dom; /* the caller's domain, an opaque key */
	bool coherent;	 /* as counted */
};

struct kvmc {
	enum wbinvd_policy policy;
	struct kvmc_domain doms[KVMC_MAX_DOMAINS];
	unsigned nr_doms;
	unsigned nr_noncoherent; /* the counter */
	bool ran_coherent;	 /* entered a guest while the counter was 0 */
	bool refuse;		 /* strict: refuse instead of flushing */
	bool transition_flush;	 /* strict: flush ran_on before next entry */
	cpumask_t ran_on;	 /* every CPU a vCPU entered on, ever */
};

/* Physical CPUs a vCPU ran on since its last emulated WBINVD. */
struct kvmc_dirty {
	cpumask_t mask;
};

/* Flush the caches of logical CPU @cpu (WBINVD there, by IPI if need be). */
typedef void (*kvmc_flush_fn)(void *ctx, unsigned cpu);

/* What a WBINVD exit does. */
enum kvmc_action { KVMC_SKIP, KVMC_FLUSH };

/* Return value of attach/detach/upgrade when the VM's answer changed: the
 * caller raises a request on every vCPU so that the change is applied
 * before their next entry. */
#define KVMC_CHANGED 1

void kvmc_init(struct kvmc *c, enum wbinvd_policy policy);

/* strict: refuse a non-coherent domain after a coherent run (-EPERM)
 * rather than flush every CPU the VM ran on. */
static inline void kvmc_set_refuse(struct kvmc *c, bool refuse)
{
	c->refuse = refuse;
}

/* 0 or KVMC_CHANGED; -EEXIST (already attached), -ENOSPC, -EINVAL (NULL),
 * -EPERM (strict asked to refuse: non-coherent after a coherent run). */
int kvmc_attach(struct kvmc *c, const void *dom, bool coherent);
/* 0 or KVMC_CHANGED; -ENOENT when not attached. */
int kvmc_detach(struct kvmc *c, const void *dom);
/* The domain now enforces coherency (one-way). 0 or KVMC_CHANGED;
 * -ENOENT when not attached. Idempotent. */
int kvmc_upgrade(struct kvmc *c, const void *dom);
/* The coherency a domain was counted with; -ENOENT when not attached. */
int kvmc_domain_coherent(const struct kvmc *c, const void *dom);

static inline bool kvmc_noncoherent(const struct kvmc *c)
{
	return c->nr_noncoherent != 0;
}

/* Is WBINVD exiting on, given the current answer? */
bool kvmc_wbinvd_intercept(const struct kvmc *c);
/* What an intercepted WBINVD does: flush while non-coherent, else skip. */
enum kvmc_action kvmc_wbinvd_action(const struct kvmc *c);

/* Called just before every VM entry on @cpu (records a coherent run and
 * the CPU, for strict). */
void kvmc_note_entry(struct kvmc *c, unsigned cpu);
/* strict, after a coherent -> non-coherent transition: flush every CPU
 * the VM ever ran on, once, before any vCPU enters again. Returns the
 * number of flushes (0 when none was due). */
unsigned kvmc_take_transition_flush(struct kvmc *c, kvmc_flush_fn flush,
				    void *ctx);
/* The vCPU is about to run on @cpu: while exits must flush, the CPU may
 * now hold the guest's dirty lines (KVM's kvm_arch_vcpu_load). */
void kvmc_vcpu_load(const struct kvmc *c, struct kvmc_dirty *d, unsigned cpu);

/* The vCPU enters on @to after it last ran on @from (-1: never). While a
 * domain is non-coherent and WBINVD is not intercepted (auto, strict),
 * the guest's own WBINVD on @to cannot reach lines it dirtied on @from:
 * true when the caller must flush @from first (KVM kvm_arch_vcpu_load,
 * wbinvd_ipi on the CPU the vCPU left). */
bool kvmc_vcpu_moved(const struct kvmc *c, int from, unsigned to);

/* An intercepted WBINVD on @cpu: KVMC_SKIP does nothing; KVMC_FLUSH adds
 * @cpu to the mask, calls @flush once for every CPU in it and clears it.
 * Returns the number of flushes. */
unsigned kvmc_wbinvd_exit(const struct kvmc *c, struct kvmc_dirty *d,
			  unsigned cpu, kvmc_flush_fn flush, void *ctx);

/* "auto", "kvm", "strict"; "?" for a value out of range. */
const char *kvmc_policy_name(enum wbinvd_policy p);
/* The policy named @name; NULL or "" (not given) is the default, auto.
 * -EINVAL for any other word. */
int kvmc_policy_parse(const char *name);
/* The same, with a bad name (the command line reported it) taken as the
 * default. */
static inline enum wbinvd_policy kvmc_policy_or_default(const char *name)
{
	int p = kvmc_policy_parse(name);

	return p < 0 ? WBINVD_AUTO : (enum wbinvd_policy)p;
}

#endif
