/** natter's version, as reported in `welcome.server` and `--version`. */
export const VERSION = '0.1.0';
