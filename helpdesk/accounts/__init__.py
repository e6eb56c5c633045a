"""Staff accounts: users with roles, argon2 passwords, bearer tokens, sign-in rate limiting."""
