import { test, expect } from '@playwright/test';

// Runs after the whole suite (the `metrics` project in playwright.config.ts): what an operator
// would scrape from the portal the suite has just used, on its own listener.
const metricsUrl = `http://127.0.0.1:${process.env.PORTAL_E2E_METRICS_PORT ?? '3199'}/metrics`;

test('after the suite, /metrics shows the figures an operator watches and no user data', async ({ request }) => {
  const response = await request.get(metricsUrl);
  expect(response.status()).toBe(200);
  const text = await response.text();
  for (const expected of [
    'portal_http_requests_total{route="/users/{id}",status="200"}',
    'portal_http_request_duration_seconds_bucket{route="/users/{id}",le="0.1"}',
    'portal_directory_calls_total{operation="DescribeUser",outcome="ok"}',
    'portal_directory_calls_total{operation="UpdateUser",outcome="ok"}',
    'portal_directory_call_duration_seconds_bucket{operation="ListUsers"',
    'portal_saves_total{outcome="saved"}',
    'portal_sign_ins_total{result="signed_in"}',
    `portal_directory_index_users ${process.env.PORTAL_DEMO_USERS ?? '10000'}`,
    'portal_directory_index_bytes ',
    'portal_directory_index_refreshed_timestamp_seconds ',
    'portal_session_store_errors_total{operation="load"} 0',
    'portal_audit_open_intents ',
  ]) {
    expect(text, expected).toContain(expected);
  }
  // Names, addresses and the values the suite saved (titles, cities) never become labels.
  for (const personal of ['jane', 'demo.example.com', 'Engineer', 'City']) {
    expect(text, personal).not.toContain(personal);
  }
});
