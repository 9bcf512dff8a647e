"""Edges where documents arrive: SMTP, IMAP, HTTP upload; each hands accepted mail to the store."""
