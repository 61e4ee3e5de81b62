"""Cases and intake: taking a case in, the case page and lists, the referral queue, and the API
and forms through which people send and move a case's referrals."""
