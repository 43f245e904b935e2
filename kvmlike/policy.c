/* The coherency counter, the WBINVD policies and the dirty mask. Pure:
 * compiled into the kernel and into the host tests unchanged. */
#include "kvmlike/policy.h"
#include "lib/errno.h"
#include "lib/string.h"

void kvmc_init(struct kvmc *c, enum wbinvd_policy policy)
{
	*c = (struct kvmc){ .policy = policy };
}

static struct kvmc_domain *kvmc_find(const struct kvmc *c, const void *dom)
{
	for (unsigned i = 0; i < c->nr_doms; i++)
		if (c->doms[i].dom == dom)
			return (struct kvmc_domain *)&c->doms[i];
	return NULL;
}

/* The answer flips when the counter leaves or reaches zero. */
static int kvmc_count(struct kvmc *c, int delta)
{
	bool before = kvmc_noncoherent(c);

	c->nr_noncoherent += delta;
	return before != kvmc_noncoherent(c) ? KVMC_CHANGED : 0;
}

int kvmc_attach(struct kvmc *c, const void *dom, bool coherent)
{
	if (!dom)
		return -EINVAL;
	if (kvmc_find(c, dom))
		return -EEXIST;
	if (c->nr_doms == KVMC_MAX_DOMAINS)
		return -ENOSPC;
	/* A guest that already ran with WBINVD a no-op: strict flushes every
	 * CPU it ran on before it runs non-coherent, or (as Linux refuses an
	 * incompatible device) refuses the domain when asked to. */
	if (!coherent && c->policy == WBINVD_STRICT && c->ran_coherent) {
		if (c->refuse)
			return -EPERM;
		if (!kvmc_noncoherent(c))
			c->transition_flush = true;
	}
	c->doms[c->nr_doms++] = (struct kvmc_domain){ dom, coherent };
	return coherent ? 0 : kvmc_count(c, +1);
}

int kvmc_detach(struct kvmc *c, const void *dom)
{
	struct kvmc_domain *d = kvmc_find(c, dom);
	bool coherent;

	if (!d)
		return -ENOENT;
	coherent = d->coherent;
	*d = c->doms[--c->nr_doms];
	return coherent ? 0 : kvmc_count(c, -1);
}

int kvmc_upgrade(struct kvmc *c, const void *dom)
{
	struct kvmc_domain *d = kvmc_find(c, dom);

	if (!d)
		return -ENOENT;
	if (d->coherent)
		return 0;
	d->coherent = true;
	return kvmc_count(c, -1);
}

int kvmc_domain_coherent(const struct kvmc *c, const void *dom)
{
	const struct kvmc_domain *d = kvmc_find(c, dom);

	return d ? d->coherent : -ENOENT;
}

bool kvmc_wbinvd_intercept(const struct kvmc *c)
{
	if (c->policy == WBINVD_KVM)
		return true;
	return !kvmc_noncoherent(c);
}

/* The same under every policy: with a non-coherent domain the guest's
 * WBINVD must reach memory. Under auto and strict such an exit only
 * happens if an entry ran before a pending request was applied, and then
 * flushing is the safe answer. */
enum kvmc_action kvmc_wbinvd_action(const struct kvmc *c)
{
	return kvmc_noncoherent(c) ? KVMC_FLUSH : KVMC_SKIP;
}

void kvmc_note_entry(struct kvmc *c, unsigned cpu)
{
	if (!kvmc_noncoherent(c))
		c->ran_coherent = true;
	cpumask_set(&c->ran_on, cpu);
}

unsigned kvmc_take_transition_flush(struct kvmc *c, kvmc_flush_fn flush,
				    void *ctx)
{
	unsigned n = 0, i;

	if (!c->transition_flush)
		return 0;
	c->transition_flush = false;
	for_each_cpu(i, c->ran_on)
	{
		flush(ctx, i);
		n++;
	}
	return n;
}

void kvmc_vcpu_load(const struct kvmc *c, struct kvmc_dirty *d, unsigned cpu)
{
	if (kvmc_wbinvd_intercept(c) && kvmc_wbinvd_action(c) == KVMC_FLUSH)
		cpumask_set(&d->mask, cpu);
}

bool kvmc_vcpu_moved(const struct kvmc *c, int from, unsigned to)
{
	return from >= 0 && (unsigned)from != to && kvmc_noncoherent(c) &&
	       !kvmc_wbinvd_intercept(c);
}

unsigned kvmc_wbinvd_exit(const struct kvmc *c, struct kvmc_dirty *d,
			  unsigned cpu, kvmc_flush_fn flush, void *ctx)
{
	unsigned n = 0, i;

	if (kvmc_wbinvd_action(c) == KVMC_SKIP)
		return 0;
	if (!cpumask_set(&d->mask, cpu)) {
		/* beyond the mask: flush where we are all the same */
		flush(ctx, cpu);
		n++;
	}
	for_each_cpu(i, d->mask)
	{
		flush(ctx, i);
		n++;
	}
	d->mask = cpumask_none();
	return n;
}

static const char *const kvmc_policy_names[WBINVD_NR_POLICIES] = {
	[WBINVD_AUTO] = "auto",
	[WBINVD_KVM] = "kvm",
	[WBINVD_STRICT] = "strict",
};

const char *kvmc_policy_name(enum wbinvd_policy p)
{
	return (unsigned)p < ARRAY_SIZE(kvmc_policy_names)
		   ? kvmc_policy_names[p]
		   : "?";
}

int kvmc_policy_parse(const char *name)
{
	if (!name || !*name)
		return WBINVD_AUTO;
	for (unsigned i = 0; i < ARRAY_SIZE(kvmc_policy_names); i++)
		if (!strcmp(kvmc_policy_names[i], name))
			return (int)i;
	return -EINVAL;
}
