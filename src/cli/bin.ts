// The `notionflow` executable. Keep snowflake-sdk's cloud-metadata probes off before anything could import it.
process.env['SNOWFLAKE_DISABLE_PLATFORM_DETECTION'] ??= 'true';
const { main } = await import('./main.js');
process.exitCode = await main(process.argv.slice(2));
