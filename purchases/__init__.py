"""The business: worker pipeline, suppliers, purchases, payments, journal entries, exports."""
