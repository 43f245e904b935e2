/* TSC calibration against PIT channel 2, gated through port 0x61 (the
 * classic method: the PIT runs at 1.193182 MHz on every PC). */
#include "arch/x86/tsc.h"

#define PIT_HZ	 1193182ULL
#define PIT_CH2	 0x42
#define PIT_CMD	 0x43
#define PIT_GATE 0x61
#define CAL_MS	 10

static u64 khz = 1000000; /* until calibrated: assume 1 GHz */

int tsc_calibrate(void)
{
	u16 count = (u16)(PIT_HZ * CAL_MS / 1000);
	u8 gate = inb(PIT_GATE);
	u64 t0, t1;

	outb(PIT_GATE, (gate & ~0x02) | 0x01); /* gate on, speaker off */
	outb(PIT_CMD, 0xb0); /* channel 2, lo/hi byte, mode 0, binary */
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	t0 = rdtsc();
	/* Bounded: a missing PIT must not hang the kernel. */
	for (u64 spin = 0; !(inb(PIT_GATE) & 0x20); spin++)
		if (spin > 50000000)
			return -ETIMEDOUT;
	t1 = rdtsc();
	outb(PIT_GATE, gate);
	if (t1 <= t0)
		return -ETIMEDOUT;
	khz = (t1 - t0) / CAL_MS;
	return 0;
}

u64 tsc_khz(void)
{
	return khz;
}

u64 tsc_read_us(void)
{
	return rdtsc() * 1000 / khz;
}

deadline_t deadline_in_us(u64 us)
{
	return rdtsc() + us * khz / 1000;
}

bool deadline_passed(deadline_t d)
{
	return rdtsc() >= d;
}

void udelay(u64 us)
{
	deadline_t d = deadline_in_us(us);

	while (!deadline_passed(d))
		cpu_relax();
}
