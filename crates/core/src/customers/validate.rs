//! Field checks and canonical forms (§F.3): email, CPF and CNPJ, ISO 3166 alpha-3 countries,
//! postal codes of the countries the sample uses, the 300-character limit and the
//! `priceTables` list.

/// Master Data's limit on a string field (§F.1), in characters.
pub const MAX_STRING_CHARS: usize = 300;
/// At most this many price tables in a profile's `priceTables` (§F.1).
pub const MAX_PRICE_TABLES: usize = 50;
/// RFC 5321's limits: 64 octets of local part, 254 of address.
const MAX_LOCAL: usize = 64;
const MAX_EMAIL: usize = 254;

/// Why an email is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailProblem {
    Empty,
    NoAt,
    LocalPart,
    Domain,
    TooLong,
}

/// The canonical form of an email (§F.3): trimmed and lower-cased (checkout and VTEX ID know a
/// shopper by the email regardless of case); a `+tag` is kept, being another mailbox to VTEX.
/// Refused: no single `@`, an empty, over-long or badly dotted local part, characters outside
/// RFC 5322's unquoted atom set, a domain that is not dot-separated labels of letters, digits
/// and hyphens with a top-level label of at least two letters.
pub fn normalize_email(raw: &str) -> Result<String, EmailProblem> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err(EmailProblem::Empty);
    }
    if email.len() > MAX_EMAIL {
        return Err(EmailProblem::TooLong);
    }
    let (local, domain) = match email.split_once('@') {
        Some((l, d)) if !d.contains('@') => (l, d),
        _ => return Err(EmailProblem::NoAt),
    };
    let atom = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    if local.is_empty()
        || local.len() > MAX_LOCAL
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
        || !local.chars().all(|c| c == '.' || atom(c))
    {
        return Err(EmailProblem::LocalPart);
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let tld_ok = labels
        .last()
        .is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()));
    if labels.len() < 2 || !labels.iter().all(label_ok) || !tld_ok {
        return Err(EmailProblem::Domain);
    }
    Ok(email)
}

fn digits_of(raw: &str, separators: &str) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    for c in raw.trim().chars() {
        if let Some(d) = c.to_digit(10) {
            out.push(d);
        } else if !separators.contains(c) {
            return None;
        }
    }
    Some(out)
}

fn check_digit(digits: &[u32], weights: &[u32]) -> u32 {
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    match sum % 11 {
        0 | 1 => 0,
        r => 11 - r,
    }
}

/// A CPF's canonical form (11 digits) when its two check digits hold (modulo 11 with weights
/// 10..2 and 11..2). `.`, `-` and spaces are accepted as separators; eleven equal digits are
/// refused (they pass the arithmetic but the Receita Federal issues none).
pub fn normalize_cpf(raw: &str) -> Option<String> {
    let d = digits_of(raw, ".- ")?;
    if d.len() != 11 || d.iter().all(|&x| x == d[0]) {
        return None;
    }
    let w1: Vec<u32> = (2..=10).rev().collect();
    let w2: Vec<u32> = (2..=11).rev().collect();
    if check_digit(&d[..9], &w1) != d[9] || check_digit(&d[..10], &w2) != d[10] {
        return None;
    }
    Some(d.iter().map(|x| char::from(b'0' + *x as u8)).collect())
}

/// A CNPJ's canonical form (14 digits) when its two check digits hold (modulo 11 with weights
/// 5,4,3,2,9..2 and 6,5,4,3,2,9..2). `.`, `/`, `-` and spaces are separators; fourteen equal
/// digits are refused.
pub fn normalize_cnpj(raw: &str) -> Option<String> {
    let d = digits_of(raw, "./- ")?;
    if d.len() != 14 || d.iter().all(|&x| x == d[0]) {
        return None;
    }
    const W1: [u32; 12] = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
    const W2: [u32; 13] = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
    if check_digit(&d[..12], &W1) != d[12] || check_digit(&d[..13], &W2) != d[13] {
        return None;
    }
    Some(d.iter().map(|x| char::from(b'0' + *x as u8)).collect())
}

/// ISO 3166-1 alpha-3, every officially assigned code (2024).
const ISO_ALPHA3: &[&str] = &[
    "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", "ARG", "ARM", "ASM", "ATA", "ATF",
    "ATG", "AUS", "AUT", "AZE", "BDI", "BEL", "BEN", "BES", "BFA", "BGD", "BGR", "BHR", "BHS",
    "BIH", "BLM", "BLR", "BLZ", "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA", "CAF",
    "CAN", "CCK", "CHE", "CHL", "CHN", "CIV", "CMR", "COD", "COG", "COK", "COL", "COM", "CPV",
    "CRI", "CUB", "CUW", "CXR", "CYM", "CYP", "CZE", "DEU", "DJI", "DMA", "DNK", "DOM", "DZA",
    "ECU", "EGY", "ERI", "ESH", "ESP", "EST", "ETH", "FIN", "FJI", "FLK", "FRA", "FRO", "FSM",
    "GAB", "GBR", "GEO", "GGY", "GHA", "GIB", "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC", "GRD",
    "GRL", "GTM", "GUF", "GUM", "GUY", "HKG", "HMD", "HND", "HRV", "HTI", "HUN", "IDN", "IMN",
    "IND", "IOT", "IRL", "IRN", "IRQ", "ISL", "ISR", "ITA", "JAM", "JEY", "JOR", "JPN", "KAZ",
    "KEN", "KGZ", "KHM", "KIR", "KNA", "KOR", "KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE",
    "LKA", "LSO", "LTU", "LUX", "LVA", "MAC", "MAF", "MAR", "MCO", "MDA", "MDG", "MDV", "MEX",
    "MHL", "MKD", "MLI", "MLT", "MMR", "MNE", "MNG", "MNP", "MOZ", "MRT", "MSR", "MTQ", "MUS",
    "MWI", "MYS", "MYT", "NAM", "NCL", "NER", "NFK", "NGA", "NIC", "NIU", "NLD", "NOR", "NPL",
    "NRU", "NZL", "OMN", "PAK", "PAN", "PCN", "PER", "PHL", "PLW", "PNG", "POL", "PRI", "PRK",
    "PRT", "PRY", "PSE", "PYF", "QAT", "REU", "ROU", "RUS", "RWA", "SAU", "SDN", "SEN", "SGP",
    "SGS", "SHN", "SJM", "SLB", "SLE", "SLV", "SMR", "SOM", "SPM", "SRB", "SSD", "STP", "SUR",
    "SVK", "SVN", "SWE", "SWZ", "SXM", "SYC", "SYR", "TCA", "TCD", "TGO", "THA", "TJK", "TKL",
    "TKM", "TLS", "TON", "TTO", "TUN", "TUR", "TUV", "TWN", "TZA", "UGA", "UKR", "UMI", "URY",
    "USA", "UZB", "VAT", "VCT", "VEN", "VGB", "VIR", "VNM", "VUT", "WLF", "WSM", "YEM", "ZAF",
    "ZMB", "ZWE",
];

/// The canonical country code (upper case) when it is an ISO 3166-1 alpha-3 code (§F.1).
pub fn normalize_country(raw: &str) -> Option<String> {
    let c = raw.trim().to_ascii_uppercase();
    ISO_ALPHA3.binary_search(&c.as_str()).ok().map(|_| c)
}

/// Whether postal codes of this country have a format Ponte checks (§F.3).
pub fn has_postal_format(country: &str) -> bool {
    matches!(
        country,
        "BRA" | "USA" | "ARG" | "MEX" | "COL" | "CHL" | "PER" | "PRT" | "ESP" | "CAN" | "URY"
    )
}

fn all_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// A postal code's canonical form in its country's format (§F.3), for the countries of
/// [`has_postal_format`]; any other country's code is only trimmed. `None` when it does not
/// fit: BRA `NNNNN-NNN` (8 digits, hyphen optional), USA `NNNNN` or `NNNNN-NNNN`, ARG `NNNN` or
/// CPA `ANNNNAAA`, MEX/ESP/URY 5 digits, COL 6, CHL 7, PER 5 (Lima's `LIMA NN` not taken),
/// PRT `NNNN-NNN`, CAN `ANA NAN`.
pub fn normalize_postal_code(country: &str, raw: &str) -> Option<String> {
    let t = raw.trim().to_ascii_uppercase();
    let compact: String = t.chars().filter(|c| *c != ' ' && *c != '-').collect();
    match country {
        "BRA" => {
            let ok = all_digits(&compact, 8)
                && (t.len() == 8 || (t.len() == 9 && t.as_bytes()[5] == b'-'));
            ok.then(|| format!("{}-{}", &compact[..5], &compact[5..]))
        }
        "USA" => {
            let plus_four = t.len() == 10 && t.as_bytes()[5] == b'-' && all_digits(&compact, 9);
            (all_digits(&t, 5) || plus_four).then_some(t)
        }
        "ARG" => {
            let b = t.as_bytes();
            let cpa = t.len() == 8
                && b[0].is_ascii_uppercase()
                && b[1..5].iter().all(u8::is_ascii_digit)
                && b[5..].iter().all(u8::is_ascii_uppercase);
            (all_digits(&t, 4) || cpa).then_some(t)
        }
        "MEX" | "ESP" | "URY" | "PER" => all_digits(&t, 5).then_some(t),
        "COL" => all_digits(&t, 6).then_some(t),
        "CHL" => all_digits(&compact, 7).then_some(compact),
        "PRT" => {
            let ok = all_digits(&compact, 7)
                && (t.len() == 7 || (t.len() == 8 && t.as_bytes()[4] == b'-'));
            ok.then(|| format!("{}-{}", &compact[..4], &compact[4..]))
        }
        "CAN" => {
            let b = compact.as_bytes();
            let ok = compact.len() == 6
                && b.iter().enumerate().all(|(i, c)| {
                    if i % 2 == 0 {
                        c.is_ascii_uppercase()
                    } else {
                        c.is_ascii_digit()
                    }
                })
                && (t.len() == 6 || (t.len() == 7 && t.as_bytes()[3] == b' '));
            ok.then(|| format!("{} {}", &compact[..3], &compact[3..]))
        }
        _ => (!t.is_empty()).then(|| raw.trim().to_owned()),
    }
}

/// Why a text field is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    TooLong,
    ControlCharacter,
}

/// The 300-character limit (§F.1, counted in Unicode scalar values as JSON Schema's
/// `maxLength` counts) and no control characters (a tab, newline or NUL in a name or street
/// is a data error, never a shopper's intent). Any script is welcome.
pub fn check_text(s: &str) -> Result<(), TextProblem> {
    if s.chars().count() > MAX_STRING_CHARS {
        return Err(TextProblem::TooLong);
    }
    if s.chars().any(char::is_control) {
        return Err(TextProblem::ControlCharacter);
    }
    Ok(())
}

/// Why a `priceTables` list is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PriceTablesProblem {
    TooMany(usize),
    EmptyEntry,
    Duplicate(String),
}

/// The canonical `priceTables` comma list (§F.1): entries trimmed, in the order given, at most
/// [`MAX_PRICE_TABLES`], none empty or repeated. An empty string is the empty list.
pub fn normalize_price_tables(raw: &str) -> Result<String, PriceTablesProblem> {
    if raw.trim().is_empty() {
        return Ok(String::new());
    }
    let entries: Vec<&str> = raw.split(',').map(str::trim).collect();
    if entries.len() > MAX_PRICE_TABLES {
        return Err(PriceTablesProblem::TooMany(entries.len()));
    }
    let mut seen = std::collections::BTreeSet::new();
    for e in &entries {
        if e.is_empty() {
            return Err(PriceTablesProblem::EmptyEntry);
        }
        if !seen.insert(*e) {
            return Err(PriceTablesProblem::Duplicate((*e).to_owned()));
        }
    }
    Ok(entries.join(","))
}

/// Folds a Latin letter with a diacritic to its base letter (`ã` → `a`, `Ç` → `c`), lower case;
/// other characters are only lower-cased. Enough for the address comparison of §F.4, which must
/// see `Av. São João` and `av sao joao` as one street.
fn fold(c: char) -> char {
    let lower = c.to_lowercase().next().unwrap_or(c);
    match lower {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' => 'i',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => 'u',
        'ý' | 'ÿ' => 'y',
        'ś' | 'š' | 'ş' => 's',
        'ź' | 'ż' | 'ž' => 'z',
        'ł' => 'l',
        'ř' => 'r',
        'ť' | 'ţ' => 't',
        other => other,
    }
}

/// A loose comparison key for free text (§F.4): diacritics folded, lower case, every run of
/// punctuation or spaces one space, trimmed.
pub fn loose(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars().map(fold) {
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        } else {
            space = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_table_is_sorted_for_binary_search() {
        assert!(ISO_ALPHA3.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(ISO_ALPHA3.len(), 249);
    }

    #[test]
    fn emails() {
        assert_eq!(
            normalize_email(" Ana.Silva+VIP@Example.COM ").as_deref(),
            Ok("ana.silva+vip@example.com")
        );
        assert_eq!(normalize_email("a@b"), Err(EmailProblem::Domain));
        assert_eq!(normalize_email("a@@b.com"), Err(EmailProblem::NoAt));
        assert_eq!(normalize_email("a..b@x.com"), Err(EmailProblem::LocalPart));
        assert_eq!(normalize_email("josé@x.com"), Err(EmailProblem::LocalPart));
        assert_eq!(normalize_email(""), Err(EmailProblem::Empty));
    }

    #[test]
    fn documents() {
        assert_eq!(
            normalize_cpf("529.982.247-25").as_deref(),
            Some("52998224725")
        );
        assert_eq!(normalize_cpf("52998224724"), None);
        assert_eq!(normalize_cpf("111.111.111-11"), None);
        assert_eq!(
            normalize_cnpj("11.222.333/0001-81").as_deref(),
            Some("11222333000181")
        );
        assert_eq!(normalize_cnpj("11.222.333/0001-82"), None);
    }

    #[test]
    fn postal_codes() {
        for (country, given, want) in [
            ("BRA", "01310100", Some("01310-100")),
            ("BRA", "01310-10", None),
            ("USA", "10001-1234", Some("10001-1234")),
            ("CAN", "k1a0b1", Some("K1A 0B1")),
            ("ARG", "C1425DKF", Some("C1425DKF")),
            ("FRA", " 75001 ", Some("75001")),
        ] {
            assert_eq!(
                normalize_postal_code(country, given).as_deref(),
                want,
                "{country} {given:?}"
            );
        }
    }

    #[test]
    fn loose_keys_fold_accents_and_punctuation() {
        assert_eq!(loose("Av. São João, 1.000"), "av sao joao 1 000");
        assert_eq!(loose("  AV SAO   JOAO 1000"), "av sao joao 1000");
    }
}
