LIB_SRCS += $(wildcard cgroups/*.c)
