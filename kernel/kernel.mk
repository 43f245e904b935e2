# The kernel proper: kmain's boot pipeline, its state, the reports.
KERNEL_OBJS := kernel/main.o
KERNEL_OBJS += kernel/harness.o
KERNEL_OBJS += kernel/report.o
KERNEL_OBJS += kernel/verdict.o
KERNEL_OBJS += kernel/acpidump.o
