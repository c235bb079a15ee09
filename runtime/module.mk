LIB_SRCS += $(wildcard runtime/*.c)
