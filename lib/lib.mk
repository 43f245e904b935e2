LIB_OBJS := lib/string.o lib/printf.o lib/errno.o lib/ktap.o lib/cmdline.o \
	lib/test.o lib/test_check.o
