X86_OBJS := arch/x86/uart.o arch/x86/vga.o arch/x86/console.o \
	arch/x86/isr.o arch/x86/idt.o arch/x86/setjmp.o arch/x86/tsc.o \
	arch/x86/pmm.o arch/x86/mm.o arch/x86/acpi.o arch/x86/pci.o arch/x86/msi.o \
	arch/x86/apic.o arch/x86/platform.o
X86_OBJS += arch/x86/fb.o
X86_OBJS += arch/x86/font8x16.o
X86_OBJS += arch/x86/trap_catch.o
X86_OBJS += arch/x86/madt.o arch/x86/percpu.o arch/x86/ipi.o arch/x86/smp.o arch/x86/trampoline.o
X86_OBJS += arch/x86/ioapic.o arch/x86/hpet.o arch/x86/pmtimer.o
