// Keep every driver off the network before anything imports it (see README, "Development").
process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION = 'true';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_REQUEST_CHECKSUM_CALCULATION = 'WHEN_REQUIRED';
process.env.AWS_RESPONSE_CHECKSUM_VALIDATION = 'WHEN_REQUIRED';
process.env.METADATA_SERVER_DETECTION = 'none';
