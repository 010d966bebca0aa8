-- License Manager utilisation per configuration and day, from the tracker's summary reports (hive layout).
-- Several runs in one day (retries, manual runs) are folded: the day's highest consumption is kept.
SELECT year, month, day, license_configuration_arn,
       max(license_configuration_name) AS license_configuration_name,
       max(try_cast(license_count AS DOUBLE)) AS license_count,
       max(try_cast(consumed_licenses AS DOUBLE)) AS peak_consumed,
       max(try_cast(utilisation_percent AS DOUBLE)) AS peak_utilisation_percent,
       count(*) AS report_rows,
       sum(CASE WHEN status = 'FAILED' THEN 1 ELSE 0 END) AS failed_reads
FROM license_usage_summary
GROUP BY year, month, day, license_configuration_arn
ORDER BY year, month, day, license_configuration_arn
