"""Where the seller inbox lives: the store interface (base), IMAP (imap), a local Maildir
(maildir), and which store a [[mailbox]] gets (factory)."""
