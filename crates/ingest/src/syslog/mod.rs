//! Syslog: RFC 5424 and RFC 3164 headers (leniently: firewalls often send a bare priority
//! and their own payload), TCP framing (octet counting and newline, RFC 6587), and the
//! dispatch of each message to the parser its content calls for.

mod framing;
mod header;

pub use framing::{Frame, Framer, MAX_FRAME};
pub use header::{SyslogMessage, parse_header};
