ops-admin-token-0123456789
