#include "CLibXML2.h"
int intake_placeholder(void){return 0;}
