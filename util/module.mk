LIB_SRCS += $(wildcard util/*.c)
