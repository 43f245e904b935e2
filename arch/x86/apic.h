/* Local APIC, in xAPIC mode (MMIO) or x2APIC mode (MSRs). SDM vol. 3A
 * chapter 11; x2APIC: 11.12. */
#ifndef ARCH_X86_APIC_H
#define ARCH_X86_APIC_H

#include "arch/x86/tsc.h"
#include "lib/types.h"

#define APIC_REG_ID	   0x20
#define APIC_REG_VERSION   0x30
#define APIC_REG_TPR	   0x80
#define APIC_REG_EOI	   0xb0
#define APIC_REG_SVR	   0xf0
#define APIC_SVR_ENABLE	   BIT(8)
#define APIC_REG_ICR_LO	   0x300
#define APIC_REG_ICR_HI	   0x310
#define APIC_ICR_BUSY	   BIT(12)
#define APIC_ICR_FIXED	   (0u << 8)
#define APIC_ICR_INIT	   (5u << 8)
#define APIC_ICR_STARTUP   (6u << 8)
#define APIC_ICR_ASSERT	   BIT(14)
#define APIC_REG_LVT_TIMER 0x320
#define APIC_REG_LVT_LINT0 0x350
#define APIC_REG_LVT_LINT1 0x360
#define APIC_LVT_MASKED	   BIT(16)

#define APIC_REG_TIMER_INIT 0x380
#define APIC_REG_TIMER_CUR  0x390
#define APIC_REG_TIMER_DIV  0x3e0

#define APIC_MSI_ADDR 0xfee00000ULL
/* A compatibility-format MSI to one APIC, fixed delivery, physical
 * destination (SDM vol. 3A 11.11.1): address bits 19:12 hold the id, so
 * no such address names an x2APIC id above 255; an interrupt to one is
 * remapped (VT-d 5.1.4), or is a VT-d unit's own, whose upper address
 * register carries the id's bits 31:8 (VT-d 5.1.6, 11.4.9.5). */
#define APIC_MSI_DEST_MAX 0xffu
static inline u32 apic_msi_addr(u32 dest)
{
	return (u32)APIC_MSI_ADDR | (dest & APIC_MSI_DEST_MAX) << 12;
}

/* IA32_APIC_BASE (SDM 11.4.4, 11.12.1) and the x2APIC MSRs: register
 * offset >> 4 from 0x800 (SDM 11.12.1.2, table 11-6). */
#define APIC_BASE_EXTD	    BIT(10) /* x2APIC mode */
#define APIC_BASE_EN	    BIT(11)
#define MSR_X2APIC_BASE	    0x800
#define MSR_X2APIC_ICR	    0x830 /* one 64-bit register: 63:32 destination */
#define MSR_X2APIC_SELF_IPI 0x83f
#define CPUID1_ECX_X2APIC   BIT(21)

/* Bring up the boot CPU's APIC and calibrate its timer. The mode: x2APIC
 * when firmware left it on (the way back is only through a disabled
 * APIC, and an id above 255 has no xAPIC form), or when @want_x2apic and
 * the CPU has one (as firmware does on many recent boards); else xAPIC.
 * 0, -ENODEV (no APIC), -ENOMEM, -EIO (the timer does not count). */
int apic_init(bool want_x2apic);
/* Whether the APICs run in x2APIC mode, and why ("left on by firmware",
 * "asked for (x2apic)"; "" in xAPIC mode, or "the CPU has no x2APIC"
 * when one was asked for). */
bool apic_x2apic(void);
const char *apic_mode_why(void);
/* This CPU's APIC id: 8 bits in xAPIC mode, 32 in x2APIC mode. */
u32 apic_id(void);
/* The part of apic_init() every CPU does for itself: enable in the boot
 * CPU's mode, TPR 0, LINT0 masked, spurious vector. For APs; apic_init()
 * calls it on the BSP. */
void apic_cpu_init(void);
/* Send @icr (delivery mode, level, vector) to the APIC with id @dest and
 * wait until it is sent: 0, or -EIO after 1 ms (SDM vol. 3A 11.6.1,
 * delivery status; x2APIC mode has none, 11.12.9: 0 once written). */
int apic_send_ipi(u32 dest, u32 icr);
void apic_eoi(void);
/* Send a fixed interrupt with @vector to this CPU. */
void apic_self_ipi(u8 vector);
/* Halt until the next interrupt, at most about @us microseconds: the APIC
 * timer is armed as a wake-up. Under QEMU with -icount sleep=off, virtual
 * time jumps to the next timer, so a halted wait costs no wall time. */
void apic_idle(u32 us);
u64 apic_timer_khz(void);
/* One VEC_TIMER interrupt on this CPU, number @cpu (smp_cpu()), when the
 * TSC reaches @end (at once if it has), without waiting for it (a
 * watchdog); 0 stops the timer. Left as it is when the last arming on
 * @cpu was for the same @end and the timer still counts, unless a timer
 * was written since (apic_idle, on any CPU): then it is armed again. */
void apic_timer_until(unsigned cpu, deadline_t end);
/* Initial-count writes so far, on every CPU; this CPU's current count. */
u64 apic_timer_writes(void);
u32 apic_timer_count(void);

#endif
