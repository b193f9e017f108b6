// Makes packages look uninstalled to a child process (`node --import ./test/helpers/without-packages.mjs`):
// importing a package named in NOTIONFLOW_TEST_MISSING_PACKAGES (comma-separated) fails as Node fails
// for a package that is not in node_modules. Tests use it to see what a user without a driver sees.
import { register } from 'node:module';

register('./without-packages-hooks.mjs', import.meta.url, { data: (process.env.NOTIONFLOW_TEST_MISSING_PACKAGES ?? '').split(',').filter(Boolean) });
