"""The handover sandbox's CLI (the engine lives in services.handover*)."""
