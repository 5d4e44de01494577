#define SC_VERSION "0.1.0"
#define SC_GIT_DESCRIBE "02294e8-dirty"
#define SC_CC "cc (Debian 12.2.0-14+deb12u1) 12.2.0"
#define SC_CFLAGS "-O2 -g -std=gnu11"
