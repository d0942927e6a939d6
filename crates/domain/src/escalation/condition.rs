//! The condition language of escalation rules, small enough to read in a review:
//!
//! ```text
//! kind = alert and score >= 80 and (intel or tag = domain-controller)
//! kind = logon and outcome = failure
//! kind = firewall_traffic and action = allow and not src_ip in 10.0.0.0/8
//! ```
//!
//! A test on a field that holds several values (users, hosts, addresses, tags) holds when
//! any value passes; `!=` holds when none equals. A test on a value the event lacks is false
//! (`!=` is then true). Text compares without regard to case.

use std::fmt;
use std::net::IpAddr;

use super::facts::EventFacts;
use crate::alert::Severity;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Test(Test),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    Kind,
    Source,
    Title,
    Outcome,
    Action,
    User,
    Host,
    Tag,
    Technique,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpField {
    SrcIp,
    DestIp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberField {
    Score,
    Criticality,
    IntelConfidence,
    DestPort,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// Any watchlist match.
    Intel,
    InternetFacing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Compare {
    fn holds<T: Ord>(self, left: T, right: T) -> bool {
        match self {
            Compare::Eq => left == right,
            Compare::Ne => left != right,
            Compare::Lt => left < right,
            Compare::Le => left <= right,
            Compare::Gt => left > right,
            Compare::Ge => left >= right,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Option<Cidr> {
        let (addr, prefix) = text.split_once('/').unwrap_or((text, ""));
        let network: IpAddr = addr.parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = if prefix.is_empty() { max } else { prefix.parse().ok().filter(|p| *p <= max)? };
        Some(Cidr { network, prefix })
    }

    pub fn contains(&self, addr: IpAddr) -> bool {
        let (network, addr, width) = match (self.network, addr) {
            (IpAddr::V4(n), IpAddr::V4(a)) => (u128::from(u32::from(n)), u128::from(u32::from(a)), 32),
            (IpAddr::V6(n), IpAddr::V6(a)) => (u128::from(n), u128::from(a), 128),
            _ => return false,
        };
        let host_bits = width - u32::from(self.prefix);
        host_bits >= 128 || (network >> host_bits) == (addr >> host_bits)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Test {
    Text { field: TextField, negate: bool, contains: bool, value: String },
    Ip { field: IpField, negate: bool, addr: IpAddr },
    InRange { field: IpField, range: Cidr },
    Number { field: NumberField, compare: Compare, value: i64 },
    Severity { compare: Compare, value: Severity },
    Flag(Flag),
}

impl Condition {
    pub fn holds(&self, facts: &EventFacts) -> bool {
        match self {
            Condition::All(parts) => parts.iter().all(|c| c.holds(facts)),
            Condition::Any(parts) => parts.iter().any(|c| c.holds(facts)),
            Condition::Not(inner) => !inner.holds(facts),
            Condition::Test(test) => test.holds(facts),
        }
    }
}

impl Test {
    fn holds(&self, facts: &EventFacts) -> bool {
        match self {
            Test::Text { field, negate, contains, value } => {
                let values = text_values(facts, *field);
                let hit = values.iter().any(|v| {
                    let v = v.to_lowercase();
                    if *contains {
                        v.contains(value.as_str())
                    } else if *field == TextField::Technique {
                        // T1110 names its sub-techniques too (T1110.001).
                        v == *value || v.strip_prefix(value.as_str()).is_some_and(|rest| rest.starts_with('.'))
                    } else {
                        v == *value
                    }
                });
                hit != *negate
            }
            Test::Ip { field, negate, addr } => ips(facts, *field).any(|a| a == *addr) != *negate,
            Test::InRange { field, range } => ips(facts, *field).any(|a| range.contains(a)),
            Test::Number { field, compare, value } => {
                let values: Vec<i64> = match field {
                    NumberField::Score => facts.score.map(i64::from).into_iter().collect(),
                    NumberField::Criticality => facts.criticality.map(i64::from).into_iter().collect(),
                    NumberField::IntelConfidence => facts.intel_confidence.map(i64::from).into_iter().collect(),
                    NumberField::DestPort => facts.dest_ports.iter().map(|p| i64::from(*p)).collect(),
                };
                if *compare == Compare::Ne {
                    values.iter().all(|v| v != value)
                } else {
                    values.iter().any(|v| compare.holds(*v, *value))
                }
            }
            Test::Severity { compare, value } => match facts.severity {
                Some(severity) => compare.holds(severity, *value),
                None => *compare == Compare::Ne,
            },
            Test::Flag(Flag::Intel) => facts.intel_confidence.is_some(),
            Test::Flag(Flag::InternetFacing) => facts.internet_facing,
        }
    }
}

fn text_values(facts: &EventFacts, field: TextField) -> Vec<&str> {
    match field {
        TextField::Kind => vec![facts.kind.as_str()],
        TextField::Source => vec![facts.source.as_str()],
        TextField::Title => vec![facts.title.as_str()],
        TextField::Outcome => facts.outcome.as_deref().into_iter().collect(),
        TextField::Action => facts.action.as_deref().into_iter().collect(),
        TextField::User => facts.users.iter().map(String::as_str).collect(),
        TextField::Host => facts.hosts.iter().map(String::as_str).collect(),
        TextField::Tag => facts.tags.iter().map(String::as_str).collect(),
        TextField::Technique => facts.techniques.iter().map(String::as_str).collect(),
    }
}

fn ips(facts: &EventFacts, field: IpField) -> impl Iterator<Item = IpAddr> + '_ {
    let values = match field {
        IpField::SrcIp => &facts.src_ips,
        IpField::DestIp => &facts.dest_ips,
    };
    values.iter().filter_map(|v| v.parse().ok())
}

/// A condition that does not parse: where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionError {
    /// 1-based character column.
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at column {}: {}", self.column, self.message)
    }
}

/// Every field name the language knows, for error messages and the editor's help.
pub const FIELDS: &str = "kind, source, title, outcome, action, user, host, tag, technique, src_ip, dest_ip, \
                          score, criticality, intel, dest_port, severity, internet_facing";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Op(Compare),
    Tilde,
    Open,
    Close,
}

fn tokenize(text: &str) -> Result<Vec<(usize, Token)>, ConditionError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        let next = chars.get(i + 1).copied();
        let (token, width) = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => (Token::Open, 1),
            ')' => (Token::Close, 1),
            '~' => (Token::Tilde, 1),
            '=' if next == Some('=') => (Token::Op(Compare::Eq), 2),
            '=' => (Token::Op(Compare::Eq), 1),
            '!' if next == Some('=') => (Token::Op(Compare::Ne), 2),
            '<' if next == Some('=') => (Token::Op(Compare::Le), 2),
            '<' => (Token::Op(Compare::Lt), 1),
            '>' if next == Some('=') => (Token::Op(Compare::Ge), 2),
            '>' => (Token::Op(Compare::Gt), 1),
            '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|c| *c == '"')
                    .ok_or_else(|| ConditionError { column, message: "a quoted value is not closed".into() })?;
                (Token::Quoted(chars[i + 1..i + 1 + end].iter().collect()), end + 2)
            }
            c if is_word_char(c) => {
                let len = chars[i..].iter().take_while(|c| is_word_char(**c)).count();
                (Token::Word(chars[i..i + len].iter().collect()), len)
            }
            other => return Err(ConditionError { column, message: format!("unexpected character '{other}'") }),
        };
        tokens.push((column, token));
        i += width;
    }
    Ok(tokens)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '/' | '*' | '@' | '\\')
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    at: usize,
    /// Column just past the text, for "expected ... at the end".
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(_, t)| t)
    }

    fn column(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |(c, _)| *c)
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, ConditionError> {
        Err(ConditionError { column: self.column(), message: message.into() })
    }

    fn keyword(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn any(&mut self) -> Result<Condition, ConditionError> {
        let mut parts = vec![self.all()?];
        while self.keyword("or") {
            parts.push(self.all()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Condition::Any(parts) })
    }

    fn all(&mut self) -> Result<Condition, ConditionError> {
        let mut parts = vec![self.unary()?];
        while self.keyword("and") {
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Condition::All(parts) })
    }

    fn unary(&mut self) -> Result<Condition, ConditionError> {
        if self.keyword("not") {
            return Ok(Condition::Not(Box::new(self.unary()?)));
        }
        match self.peek() {
            Some(Token::Open) => {
                self.at += 1;
                let inner = self.any()?;
                if self.peek() != Some(&Token::Close) {
                    return self.error("expected ')'");
                }
                self.at += 1;
                Ok(inner)
            }
            Some(Token::Word(_)) => self.test().map(Condition::Test),
            None => self.error(format!("expected a test such as 'score >= 80' (fields: {FIELDS})")),
            Some(_) => self.error("expected a field name"),
        }
    }

    fn test(&mut self) -> Result<Test, ConditionError> {
        let Some(Token::Word(field)) = self.peek().cloned() else {
            return self.error("expected a field name");
        };
        let field = field.to_ascii_lowercase();
        let field_column = self.column();
        self.at += 1;
        let operator = match self.peek() {
            Some(Token::Op(compare)) => Some(Operator::Compare(*compare)),
            Some(Token::Tilde) => Some(Operator::Contains),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("in") => Some(Operator::In),
            _ => None,
        };
        let Some(operator) = operator else {
            return match field.as_str() {
                "intel" => Ok(Test::Flag(Flag::Intel)),
                "internet_facing" => Ok(Test::Flag(Flag::InternetFacing)),
                _ if field_kind(&field).is_none() => Err(ConditionError {
                    column: field_column,
                    message: format!("unknown field '{field}' (fields: {FIELDS})"),
                }),
                _ => self.error(format!("expected an operator (=, !=, <, <=, >, >=, ~ or in) after '{field}'")),
            };
        };
        self.at += 1;
        let value_column = self.column();
        let value = match self.peek() {
            Some(Token::Word(v) | Token::Quoted(v)) => v.clone(),
            _ => return self.error(format!("expected a value after '{field}'")),
        };
        self.at += 1;
        let fail = |message: String| Err(ConditionError { column: value_column, message });
        let Some(kind) = field_kind(&field) else {
            return Err(ConditionError {
                column: field_column,
                message: format!("unknown field '{field}' (fields: {FIELDS})"),
            });
        };
        match (kind, operator) {
            (FieldKind::Text(field), Operator::Compare(c @ (Compare::Eq | Compare::Ne))) => {
                Ok(Test::Text { field, negate: c == Compare::Ne, contains: false, value: value.to_lowercase() })
            }
            (FieldKind::Text(field), Operator::Contains) => {
                Ok(Test::Text { field, negate: false, contains: true, value: value.to_lowercase() })
            }
            (FieldKind::Text(_), _) => fail(format!("'{field}' is text: use =, != or ~")),
            (FieldKind::Ip(field), Operator::Compare(c @ (Compare::Eq | Compare::Ne))) => match value.parse() {
                Ok(addr) => Ok(Test::Ip { field, negate: c == Compare::Ne, addr }),
                Err(_) => fail(format!("'{value}' is not an IP address")),
            },
            (FieldKind::Ip(field), Operator::In) => match Cidr::parse(&value) {
                Some(range) => Ok(Test::InRange { field, range }),
                None => fail(format!("'{value}' is not an address range such as 10.0.0.0/8")),
            },
            (FieldKind::Ip(_), _) => fail(format!("'{field}' is an address: use =, != or in <range>")),
            (FieldKind::Number(number, max), Operator::Compare(compare)) => match value.parse::<i64>() {
                Ok(n) if (0..=max).contains(&n) => Ok(Test::Number { field: number, compare, value: n }),
                _ => fail(format!("'{field}' takes a whole number from 0 to {max}, not '{value}'")),
            },
            (FieldKind::Number(..), _) => fail(format!("'{field}' is a number: use =, !=, <, <=, > or >=")),
            (FieldKind::Severity, Operator::Compare(compare)) => match Severity::parse(&value) {
                Some(severity) => Ok(Test::Severity { compare, value: severity }),
                None => fail(format!("'{value}' is not a severity (informational, low, medium, high, critical)")),
            },
            (FieldKind::Severity, _) => fail("severity is compared with =, !=, <, <=, > or >=".into()),
        }
    }
}

enum Operator {
    Compare(Compare),
    Contains,
    In,
}

enum FieldKind {
    Text(TextField),
    Ip(IpField),
    /// With the largest value it takes.
    Number(NumberField, i64),
    Severity,
}

fn field_kind(name: &str) -> Option<FieldKind> {
    Some(match name {
        "kind" => FieldKind::Text(TextField::Kind),
        "source" => FieldKind::Text(TextField::Source),
        "title" | "signature" => FieldKind::Text(TextField::Title),
        "outcome" => FieldKind::Text(TextField::Outcome),
        "action" => FieldKind::Text(TextField::Action),
        "user" => FieldKind::Text(TextField::User),
        "host" => FieldKind::Text(TextField::Host),
        "tag" => FieldKind::Text(TextField::Tag),
        "technique" => FieldKind::Text(TextField::Technique),
        "src_ip" => FieldKind::Ip(IpField::SrcIp),
        "dest_ip" => FieldKind::Ip(IpField::DestIp),
        "score" => FieldKind::Number(NumberField::Score, 100),
        "criticality" => FieldKind::Number(NumberField::Criticality, 5),
        "intel" => FieldKind::Number(NumberField::IntelConfidence, 100),
        "dest_port" => FieldKind::Number(NumberField::DestPort, 65535),
        "severity" => FieldKind::Severity,
        _ => return None,
    })
}

/// Parses a condition.
pub fn parse(text: &str) -> Result<Condition, ConditionError> {
    let tokens = tokenize(text)?;
    let mut parser = Parser { tokens, at: 0, end: text.chars().count() + 1 };
    let condition = parser.any()?;
    if parser.peek().is_some() {
        return parser.error("expected 'and', 'or' or the end of the condition");
    }
    Ok(condition)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> EventFacts {
        EventFacts {
            kind: "alert".into(),
            source: "suricata".into(),
            title: "ET SCAN Nmap Scripting Engine".into(),
            severity: Some(Severity::High),
            score: Some(72),
            outcome: None,
            action: None,
            users: vec!["alice".into()],
            hosts: vec!["dc01".into(), "ws-7".into()],
            src_ips: vec!["203.0.113.9".into()],
            dest_ips: vec!["10.1.2.3".into()],
            dest_ports: vec![445],
            tags: vec!["domain-controller".into()],
            criticality: Some(5),
            internet_facing: false,
            intel_confidence: Some(90),
            techniques: vec!["T1110.003".into()],
            ..EventFacts::default()
        }
    }

    fn holds(text: &str) -> bool {
        parse(text).unwrap_or_else(|e| panic!("{text}: {e}")).holds(&facts())
    }

    #[test]
    fn text_equality_ignores_case_and_any_value_counts() {
        assert!(holds("kind = alert"));
        assert!(holds("source == Suricata"));
        assert!(holds("host = WS-7"));
        assert!(!holds("host = ws-8"));
        assert!(holds("host != ws-8"));
        assert!(!holds("host != dc01"), "!= holds only when no value equals");
        assert!(!holds("outcome = failure"), "a missing value fails =");
        assert!(holds("outcome != failure"), "a missing value passes !=");
    }

    #[test]
    fn contains_and_quoted_values() {
        assert!(holds("title ~ nmap"));
        assert!(holds("title ~ \"scripting engine\""));
        assert!(!holds("title ~ masscan"));
    }

    #[test]
    fn techniques_match_their_sub_techniques() {
        assert!(holds("technique = T1110"));
        assert!(holds("technique = t1110.003"));
        assert!(!holds("technique = T111"));
    }

    #[test]
    fn numbers_compare_with_every_operator() {
        assert!(holds("score >= 72") && holds("score > 71") && holds("score <= 72") && holds("score < 73"));
        assert!(holds("score = 72") && holds("score != 71") && !holds("score > 72"));
        assert!(holds("criticality = 5") && holds("intel >= 80") && holds("dest_port = 445"));
        assert!(!holds("dest_port != 445"));
    }

    #[test]
    fn severity_compares_by_rank() {
        assert!(holds("severity >= medium") && holds("severity = high") && !holds("severity >= critical"));
        assert!(holds("severity < critical") && holds("severity != low"));
    }

    #[test]
    fn addresses_compare_exactly_or_by_range() {
        assert!(holds("src_ip = 203.0.113.9") && holds("dest_ip != 10.1.2.4"));
        assert!(holds("dest_ip in 10.0.0.0/8") && !holds("src_ip in 10.0.0.0/8"));
        assert!(holds("src_ip in 203.0.113.9"), "a bare address is a range of one");
        assert!(!holds("src_ip in ::/0"), "families never mix");
    }

    #[test]
    fn flags_and_boolean_structure() {
        assert!(holds("intel") && !holds("internet_facing") && holds("not internet_facing"));
        assert!(holds("kind = logon or score >= 70 and intel"));
        assert!(!holds("(kind = logon or score >= 70) and not intel"));
        assert!(holds("tag = domain-controller and (severity >= high or criticality >= 4)"));
    }

    #[test]
    fn errors_name_the_column_and_the_problem() {
        let error = |text: &str| parse(text).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(error("colour = red").contains("unknown field 'colour'"), "{}", error("colour = red"));
        assert_eq!(parse("score >= lots").err().map(|e| e.column), Some(10));
        assert!(error("score >= 101").contains("0 to 100"));
        assert!(error("user > bob").contains("is text"));
        assert!(error("src_ip = 10.0.0").contains("not an IP address"));
        assert!(error("dest_ip in 10.0.0.0/33").contains("address range"));
        assert!(error("severity >= loud").contains("not a severity"));
        assert!(error("score >= 5 and").contains("expected a test"));
        assert!(error("(score >= 5").contains("expected ')'"));
        assert!(error("score >= 5 score").contains("expected 'and'"));
        assert!(error("title ~ \"open").contains("not closed"));
        assert!(error("score").contains("expected an operator"));
        assert!(error("").contains("expected a test"));
    }
}
