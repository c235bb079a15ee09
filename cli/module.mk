CLI_SRCS += $(wildcard cli/*.c)
