//! Kubernetes resource quantities (`500m`, `1.5`, `512Mi`, `1G`, `1e3`) as container engine
//! limits: CPUs as a decimal (`--cpus 0.5`) and memory in bytes (`--memory 536870912`). Pure.
//!
//! Exact: a quantity is read as a fraction of integers, never a float, and rounded up as
//! Kubernetes rounds (a CPU to the millicore, memory to the byte).

/// A quantity's value as `numerator / denominator`, or `None` when it is not a non-negative
/// quantity (or too large to be a limit).
fn value(q: &str) -> Option<(u128, u128)> {
    let q = q.trim();
    let q = q.strip_prefix('+').unwrap_or(q);
    let end = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(q.len());
    let (number, suffix) = q.split_at(end);
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    if int.is_empty() && frac.is_empty() || frac.contains('.') || number.len() > 30 {
        return None;
    }
    let digits = |s: &str| -> Option<u128> {
        if s.is_empty() {
            Some(0)
        } else {
            s.parse().ok()
        }
    };
    let ten = |n: u32| 10u128.checked_pow(n);
    let mut num = digits(int)?
        .checked_mul(ten(frac.len() as u32)?)?
        .checked_add(digits(frac)?)?;
    let mut den = ten(frac.len() as u32)?;
    let (mul, div): (u128, u128) = match suffix {
        "" => (1, 1),
        "n" => (1, 1_000_000_000),
        "u" => (1, 1_000_000),
        "m" => (1, 1_000),
        "k" => (1_000, 1),
        "M" => (ten(6)?, 1),
        "G" => (ten(9)?, 1),
        "T" => (ten(12)?, 1),
        "P" => (ten(15)?, 1),
        "E" => (ten(18)?, 1),
        "Ki" => (1 << 10, 1),
        "Mi" => (1 << 20, 1),
        "Gi" => (1 << 30, 1),
        "Ti" => (1 << 40, 1),
        "Pi" => (1 << 50, 1),
        "Ei" => (1 << 60, 1),
        e if e.starts_with(['e', 'E']) => {
            let exp: i32 = e[1..].parse().ok()?;
            let p = ten(exp.unsigned_abs())?;
            if exp >= 0 { (p, 1) } else { (1, p) }
        }
        _ => return None,
    };
    num = num.checked_mul(mul)?;
    den = den.checked_mul(div)?;
    Some((num, den))
}

/// A CPU quantity in millicores (`500m` → 500, `1.5` → 1500), rounded up.
pub fn millicpus(q: &str) -> Option<u64> {
    let (num, den) = value(q)?;
    u64::try_from(num.checked_mul(1000)?.div_ceil(den)).ok()
}

/// Millicores as engines' `--cpus` takes them: `500` → `0.5`, `2000` → `2`, `1` → `0.001`.
pub fn cpus_flag(millis: u64) -> String {
    let (whole, frac) = (millis / 1000, millis % 1000);
    if frac == 0 {
        whole.to_string()
    } else {
        let frac = format!("{frac:03}");
        format!("{whole}.{}", frac.trim_end_matches('0'))
    }
}

/// A memory quantity in bytes (`512Mi` → 536870912, `1G` → 1000000000), rounded up.
pub fn bytes(q: &str) -> Option<u64> {
    let (num, den) = value(q)?;
    u64::try_from(num.div_ceil(den)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpus_are_decimals_of_cores() {
        for (q, flag) in [
            ("500m", "0.5"),
            ("250m", "0.25"),
            ("1", "1"),
            ("2", "2"),
            ("1.5", "1.5"),
            ("0.1", "0.1"),
            ("1m", "0.001"),
            ("1500m", "1.5"),
            ("+2", "2"),
            ("2e0", "2"),
            ("1e-3", "0.001"),
        ] {
            assert_eq!(millicpus(q).map(cpus_flag).as_deref(), Some(flag), "{q}");
        }
    }

    #[test]
    fn a_fraction_of_a_millicore_rounds_up() {
        assert_eq!(millicpus("0.0001"), Some(1));
        assert_eq!(millicpus("100u"), Some(1));
        assert_eq!(millicpus("0"), Some(0));
    }

    #[test]
    fn memory_is_bytes_binary_and_decimal_suffixes_differ() {
        for (q, b) in [
            ("512Mi", 512 * 1024 * 1024),
            ("1Gi", 1 << 30),
            ("1.5Gi", 3 << 29),
            ("64Ki", 65536),
            ("1Ti", 1 << 40),
            ("1G", 1_000_000_000),
            ("500M", 500_000_000),
            ("128k", 128_000),
            ("1000", 1000),
            ("1e6", 1_000_000),
            ("2.5M", 2_500_000),
            // A milli-byte is allowed by Kubernetes and rounds up.
            ("1500m", 2),
        ] {
            assert_eq!(bytes(q), Some(b), "{q}");
        }
    }

    #[test]
    fn non_quantities_and_negatives_are_refused() {
        for q in [
            "", "abc", "1.2.3", "-1", "1Xi", "1 Gi", ".", "1e", "1e99", "9Ei9",
        ] {
            assert_eq!(bytes(q), None, "{q}");
        }
        assert_eq!(bytes("100Ei"), None, "too large for a limit");
    }
}
