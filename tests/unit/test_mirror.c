/* placeholder (issue 6) */
#include "sl_test.h"

int main(void)
{
        TEST_MAIN_END();
}
