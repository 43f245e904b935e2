/* The decoded VT-d unit report and the coherency report: aligned text for
 * people, one "# {...}" JSON object per line for tests/run (report.json).
 * Field names follow the VT-d specification (11.4.2 CAP, 11.4.3 ECAP). */
#include "kernel/report.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/report.h"
#include "arch/x86/console.h"
#include "arch/x86/pci.h"
#include "kvmlike/policy.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "iommu/vtd/domain.h"
#include "iommu/vtd/vtd.h"
#include "drivers/dma.h"

/* One JSON object, written out with a single console_write (kprintf
 * would cut it at 512 bytes). */
struct json {
	char buf[4096];
	size_t n;
	bool cut;
};

__attribute__((format(printf, 2, 3))) static void jcat(struct json *j,
						       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = kvsnprintf(j->buf + j->n, sizeof(j->buf) - j->n, fmt, ap);
	va_end(ap);
	if (n < 0 || j->n + (size_t)n >= sizeof(j->buf))
		j->cut = true;
	else
		j->n += (size_t)n;
}

static void json_begin(struct json *j, const char *type)
{
	j->n = 0;
	j->cut = false;
	jcat(j, "# {\"type\":\"%s\"", type);
}

static void json_end(struct json *j)
{
	jcat(j, "}\n");
	if (j->cut) /* never half an object: the runner would fail on it */
		kprintf("# {\"type\":\"report_error\",\"why\":\"object "
			"longer than %zu bytes\"}\n",
			sizeof(j->buf));
	else
		console_write(j->buf, j->n);
}

/* Strings here are our own or hex: only quotes and backslashes to escape. */
static void json_str(struct json *j, const char *key, const char *s)
{
	jcat(j, ",\"%s\":\"", key);
	for (; *s; s++)
		jcat(j, *s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
	jcat(j, "\"");
}

struct field {
	const char *name;
	u64 mask;
};

static const struct field cap_fields[] = {
	{ "ND", VTD_CAP_ND },	    { "AFL", VTD_CAP_AFL },
	{ "RWBF", VTD_CAP_RWBF },   { "PLMR", VTD_CAP_PLMR },
	{ "PHMR", VTD_CAP_PHMR },   { "CM", VTD_CAP_CM },
	{ "SAGAW", VTD_CAP_SAGAW }, { "MGAW", VTD_CAP_MGAW },
	{ "ZLR", VTD_CAP_ZLR },	    { "FRO", VTD_CAP_FRO },
	{ "SLLPS", VTD_CAP_SLLPS }, { "PSI", VTD_CAP_PSI },
	{ "NFR", VTD_CAP_NFR },	    { "MAMV", VTD_CAP_MAMV },
	{ "DWD", VTD_CAP_DWD },	    { "DRD", VTD_CAP_DRD },
	{ "FL1GP", VTD_CAP_FL1GP }, { "PI", VTD_CAP_PI },
	{ "FL5LP", VTD_CAP_FL5LP },
};

static const struct field ecap_fields[] = {
	{ "C", VTD_ECAP_C },	   { "QI", VTD_ECAP_QI },
	{ "DT", VTD_ECAP_DT },	   { "IR", VTD_ECAP_IR },
	{ "EIM", VTD_ECAP_EIM },   { "PT", VTD_ECAP_PT },
	{ "SC", VTD_ECAP_SC },	   { "IRO", VTD_ECAP_IRO },
	{ "MHMV", VTD_ECAP_MHMV }, { "NEST", VTD_ECAP_NEST },
	{ "PRS", VTD_ECAP_PRS },   { "PASID", VTD_ECAP_PASID },
	{ "SMTS", VTD_ECAP_SMTS }, { "SLTS", VTD_ECAP_SLTS },
	{ "FLTS", VTD_ECAP_FLTS },
};

/* {"ND":6,"RWBF":false,...}: one-bit fields as booleans. */
static void json_fields(struct json *j, const char *key, u64 reg,
			const struct field *f, size_t n)
{
	jcat(j, ",\"%s\":{", key);
	for (size_t i = 0; i < n; i++) {
		u64 v = FIELD_GET(f[i].mask, reg);
		bool bit = !(f[i].mask & (f[i].mask - 1));
		jcat(j, i ? ",\"%s\":" : "\"%s\":", f[i].name);
		if (bit)
			jcat(j, v ? "true" : "false");
		else
			jcat(j, "%lu", v);
	}
	jcat(j, "}");
}

static const struct dmar_unit *dmar_of(const struct vtd_unit *u)
{
	int err;
	const struct dmar_info *info = vtd_dmar(&err);

	for (u32 i = 0; info && i < info->nr_units; i++)
		if (info->units[i].reg_base == u->reg_pa)
			return &info->units[i];
	return NULL;
}

/* The enumerated PCI functions that @u translates for. */
static unsigned served(const struct vtd_unit *u, struct pci_dev **out,
		       unsigned cap)
{
	struct pci_dev *devs;
	unsigned n = pci_devices(&devs), k = 0;

	for (unsigned i = 0; i < n; i++)
		if (vtd_unit_for_device(devs[i].seg, devs[i].bus,
					devs[i].devfn) == u &&
		    k < cap)
			out[k++] = &devs[i];
	return k;
}

static bool rmrr_serves(const struct dmar_info *info, const struct dmar_rmrr *r,
			const struct vtd_unit *u,
			const struct dmar_scope **scope)
{
	for (u16 i = r->scope_first; i < r->scope_first + r->nr_scopes; i++) {
		const struct dmar_scope *s = &info->scopes[i];
		if (!s->status &&
		    vtd_unit_for_device(r->segment, s->bus, s->devfn) == u) {
			*scope = s;
			return true;
		}
	}
	return false;
}

static void unit_devices(const struct vtd_unit *u, struct json *j)
{
	struct pci_dev *devs[PCI_MAX_DEVS];
	unsigned n = served(u, devs, PCI_MAX_DEVS);
	const struct dmar_unit *d = dmar_of(u);

	jcat(j, ",\"include_pci_all\":%s,\"devices\":[",
	     d && (d->flags & DMAR_DRHD_INCLUDE_PCI_ALL) ? "true" : "false");
	for (unsigned i = 0; i < n; i++) {
		const struct pci_dev *p = devs[i];
		kprintf("# vtd%u:   device %04x:%02x:%02x.%u %04x:%04x\n",
			u->index, p->seg, p->bus, p->devfn >> 3, p->devfn & 7,
			p->vendor, p->device);
		jcat(j, "%s\"%04x:%02x:%02x.%u\"", i ? "," : "", p->seg, p->bus,
		     p->devfn >> 3, p->devfn & 7);
	}
	jcat(j, "]");
}

static void unit_rmrrs(const struct vtd_unit *u, struct json *j)
{
	int err;
	const struct dmar_info *info = vtd_dmar(&err);
	const struct dmar_scope *s;
	unsigned k = 0;

	jcat(j, ",\"rmrrs\":[");
	for (u32 i = 0; info && i < info->nr_rmrrs; i++) {
		const struct dmar_rmrr *r = &info->rmrrs[i];
		if (!rmrr_serves(info, r, u, &s))
			continue;
		kprintf("# vtd%u:   RMRR 0x%lx-0x%lx for %02x:%02x.%u\n",
			u->index, r->base, r->limit, s->bus, s->devfn >> 3,
			s->devfn & 7);
		jcat(j, "%s{\"base\":\"0x%lx\",\"limit\":\"0x%lx\"}",
		     k++ ? "," : "", r->base, r->limit);
	}
	jcat(j, "]");
}

static void unit_json(const struct vtd_unit *u, struct json *j)
{
	char ver[16];

	ksnprintf(ver, sizeof(ver), "%u.%u",
		  (unsigned)FIELD_GET(VTD_VER_MAJOR, u->ver),
		  (unsigned)FIELD_GET(VTD_VER_MINOR, u->ver));
	jcat(j, ",\"unit\":%u,\"registers\":\"0x%lx\"", u->index, u->reg_pa);
	json_str(j, "version", ver);
	jcat(j, ",\"cap\":\"0x%016lx\",\"ecap\":\"0x%016lx\"", u->cap, u->ecap);
	jcat(j, ",\"mgaw\":%u,\"domains\":%u,\"sagaw\":[", vtd_mgaw(u),
	     vtd_nr_domains(u));
	for (unsigned i = 1, k = 0; i <= 3; i++)
		if (vtd_sagaw_supports(u, i))
			jcat(j, "%s%u", k++ ? "," : "", 30 + 9 * i);
	jcat(j, "],\"dma_translation\":%s",
	     vtd_translates_dma(u) ? "true" : "false");
	jcat(j, ",\"sc\":%s,\"c\":%s", u->ecap & VTD_ECAP_SC ? "true" : "false",
	     u->ecap & VTD_ECAP_C ? "true" : "false");
	json_str(j, "mode", vtd_unit_mode_name(u));
	json_fields(j, "cap_fields", u->cap, cap_fields,
		    ARRAY_SIZE(cap_fields));
	json_fields(j, "ecap_fields", u->ecap, ecap_fields,
		    ARRAY_SIZE(ecap_fields));
}

void report_units(void)
{
	static struct json j;
	struct pci_dev *devs[PCI_MAX_DEVS];

	if (!vtd_nr_units()) {
		kprintf("# report: no VT-d unit (no usable DMAR table)\n");
		json_begin(&j, "vtd_none");
		json_end(&j);
		return;
	}
	kprintf("# unit  registers           ver  MGAW  domains  SC   C    "
		"QI   IR   PT   CM   devices\n");
	for (unsigned i = 0; i < vtd_nr_units(); i++) {
		const struct vtd_unit *u = vtd_unit(i);
		kprintf(
		    "# vtd%-2u 0x%016lx  %u.%u  %-4u  %-7u  %-3s  %-3s  "
		    "%-3s  %-3s  %-3s  %-3s  %u\n",
		    u->index, u->reg_pa,
		    (unsigned)FIELD_GET(VTD_VER_MAJOR, u->ver),
		    (unsigned)FIELD_GET(VTD_VER_MINOR, u->ver), vtd_mgaw(u),
		    vtd_nr_domains(u), yes_no(u->ecap & VTD_ECAP_SC),
		    yes_no(u->ecap & VTD_ECAP_C), yes_no(u->ecap & VTD_ECAP_QI),
		    yes_no(u->ecap & VTD_ECAP_IR),
		    yes_no(u->ecap & VTD_ECAP_PT), yes_no(u->cap & VTD_CAP_CM),
		    served(u, devs, PCI_MAX_DEVS));
	}
	for (unsigned i = 0; i < vtd_nr_units(); i++) {
		const struct vtd_unit *u = vtd_unit(i);
		vtd_unit_report(u);
		json_begin(&j, "vtd_unit");
		unit_json(u, &j);
		unit_devices(u, &j);
		unit_rmrrs(u, &j);
		json_end(&j);
	}
}

static const char *decision(const struct kvmc *c)
{
	if (!kvmc_wbinvd_intercept(c))
		return "WBINVD not intercepted: the guest's WBINVD runs "
		       "natively";
	if (kvmc_wbinvd_action(c) == KVMC_SKIP)
		return "WBINVD exits and is skipped as a no-op";
	return "WBINVD exits and is emulated: caches flushed on every CPU "
	       "the vCPU ran on";
}

/* A domain per unit (the devices behind it); a VM with all of them. */
void report_coherency(const struct options *o)
{
	static struct json j;
	struct pci_dev *devs[PCI_MAX_DEVS];
	struct kvmc vm;

	kvmc_init(&vm, kvmc_policy_or_default(o->wbinvd));
	kprintf("# domain  units  devices  enforcing  why\n");
	for (unsigned i = 0; i < vtd_nr_units(); i++) {
		const struct vtd_unit *u = vtd_unit(i);
		bool dma = vtd_translates_dma(u);
		bool sc = dma && (u->ecap & VTD_ECAP_SC);
		const char *why =
		    !dma ? "the unit translates no DMA (SAGAW names no "
			   "width): its devices' DMA is not remapped"
		    : sc ? "every unit has ECAP.SC: leaves carry SNP"
			 : "a unit lacks ECAP.SC (snoop control)";
		unsigned n = served(u, devs, PCI_MAX_DEVS);
		kprintf("# dom%-4u vtd%-2u  %-7u  %-9s  %s\n", i, u->index, n,
			yes_no(sc), why);
		json_begin(&j, "coherency_domain");
		jcat(&j, ",\"domain\":%u,\"units\":[%u],\"devices\":%u", i,
		     u->index, n);
		jcat(&j, ",\"enforcing\":%s", sc ? "true" : "false");
		json_str(&j, "why", why);
		json_end(&j);
		kvmc_attach(&vm, u, sc);
	}
	const char *d = decision(&vm);
	kprintf("# VM with every domain, wbinvd=%s: %u of %u domains "
		"non-coherent; %s\n",
		kvmc_policy_name(vm.policy), vm.nr_noncoherent, vm.nr_doms, d);
	json_begin(&j, "coherency_vm");
	json_str(&j, "policy", kvmc_policy_name(vm.policy));
	jcat(&j, ",\"domains\":%u,\"noncoherent\":%u,\"wbinvd_exiting\":%s",
	     vm.nr_doms, vm.nr_noncoherent,
	     kvmc_wbinvd_intercept(&vm) ? "true" : "false");
	json_str(&j, "decision", d);
	json_end(&j);
}

void report_engines(void)
{
	static struct json j;
	unsigned n = dma_count(NULL);

	if (!n) {
		kprintf("# dma engines: none (no edu, no xHCI taken over)\n");
		return;
	}
	kprintf("# engine  kind  source id  unit  vector  addr bits\n");
	for (unsigned i = 0; i < n; i++) {
		struct dma_engine *e = dma_find(NULL, i);
		const struct pci_dev *p = e->pci;
		const struct vtd_unit *u = vtd_unit_for_device(p->seg, p->bus,
							       p->devfn);
		char unit[8] = "none", sid[16], vec[8] = "polled";
		if (u)
			ksnprintf(unit, sizeof(unit), "vtd%u", u->index);
		if (e->vector) /* 0: no MSI (see pci_msi_enable) */
			ksnprintf(vec, sizeof(vec), "0x%x", e->vector);
		ksnprintf(sid, sizeof(sid), "%02x:%02x.%u", p->bus,
			  p->devfn >> 3, p->devfn & 7);
		kprintf("# %-7s %-5s %-10s %-5s %-6s  %u\n", e->name, e->kind,
			sid, unit, vec, e->addr_bits);
		json_begin(&j, "dma_engine");
		json_str(&j, "name", e->name);
		json_str(&j, "kind", e->kind);
		json_str(&j, "sid", sid);
		jcat(&j, ",\"unit\":%d,\"vector\":%u,\"addr_bits\":%u",
		     u ? (int)u->index : -1, e->vector, e->addr_bits);
		json_end(&j);
	}
}
