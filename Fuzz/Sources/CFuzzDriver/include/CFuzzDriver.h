#ifndef CFUZZDRIVER_H
#define CFUZZDRIVER_H
// Nothing to import: this target only supplies the program's entry point (see driver.c).
#endif
