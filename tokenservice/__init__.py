"""The spreekuur service: intake, issuance, renewal, revocation and publication."""
