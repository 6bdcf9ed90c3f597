#ifndef PIPELINE_CZLIB_SHIM_H
#define PIPELINE_CZLIB_SHIM_H
#include <zlib.h>
#endif
