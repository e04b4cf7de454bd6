//! Verilog number literals: `12`, `'b1`, `4'hF`, `1'bx`, `8'sd3` to bits.

use super::ast::{Literal, LiteralBit};

/// Widest literal accepted; wider ones are certainly not part of a gate-level netlist.
const MAX_LITERAL_WIDTH: u64 = 1 << 20;

/// Width of unsized literals, as the standard says.
const UNSIZED_WIDTH: usize = 32;

/// Decodes a plain decimal number (`12`): unsized.
pub(super) fn decode_decimal(text: &str) -> Result<Literal, String> {
    let bits = decimal_bits(text)?;
    Ok(Literal::new(fit(bits, UNSIZED_WIDTH, false), false))
}

/// Decodes a based literal (`'hF`) with its optional size token text (`4`).
pub(super) fn decode_based(size: Option<&str>, based: &str) -> Result<Literal, String> {
    let width = match size {
        Some(text) => {
            let digits: String = text.chars().filter(|&c| c != '_').collect();
            match digits.parse::<u64>() {
                Ok(0) => return Err("a literal's width must be at least 1".into()),
                Ok(w) if w <= MAX_LITERAL_WIDTH => Some(w as usize),
                _ => {
                    return Err(format!(
                        "literal width `{text}` is too large (at most {MAX_LITERAL_WIDTH})"
                    ))
                }
            }
        }
        None => None,
    };
    let mut chars = based.chars().skip(1).peekable();
    if matches!(chars.peek(), Some('s' | 'S')) {
        chars.next();
    }
    let base = chars.next().map(|c| c.to_ascii_lowercase());
    let digits: String = chars.filter(|&c| !matches!(c, '_' | ' ' | '\t')).collect();
    if digits.is_empty() {
        return Err("expected digits after the base of a literal".into());
    }
    let bits = match base {
        Some('b') => radix_bits(&digits, 1)?,
        Some('o') => radix_bits(&digits, 3)?,
        Some('h') => radix_bits(&digits, 4)?,
        Some('d') => match digits.to_ascii_lowercase().as_str() {
            "x" => vec![LiteralBit::X],
            "z" | "?" => vec![LiteralBit::Z],
            _ => decimal_bits(&digits)?,
        },
        _ => return Err(format!("`{based}` is not a valid based literal")),
    };
    Ok(match width {
        Some(w) => Literal::new(fit(bits, w, true), true),
        None => {
            let w = bits.len().max(UNSIZED_WIDTH);
            Literal::new(fit(bits, w, true), false)
        }
    })
}

/// Bits of a binary, octal or hexadecimal digit string, least significant first.
fn radix_bits(digits: &str, bits_per_digit: u32) -> Result<Vec<LiteralBit>, String> {
    let mut bits = Vec::with_capacity(digits.len() * bits_per_digit as usize);
    for c in digits.chars().rev() {
        let fill = match c {
            'x' | 'X' => Some(LiteralBit::X),
            'z' | 'Z' | '?' => Some(LiteralBit::Z),
            _ => None,
        };
        if let Some(f) = fill {
            bits.extend(std::iter::repeat_n(f, bits_per_digit as usize));
            continue;
        }
        let v = c
            .to_digit(1 << bits_per_digit)
            .ok_or_else(|| format!("`{c}` is not a valid digit here"))?;
        for k in 0..bits_per_digit {
            bits.push(if v >> k & 1 == 1 { LiteralBit::One } else { LiteralBit::Zero });
        }
    }
    Ok(bits)
}

/// Bits of a decimal digit string, least significant first (at least one bit).
fn decimal_bits(digits: &str) -> Result<Vec<LiteralBit>, String> {
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    let value: u128 = clean
        .parse()
        .map_err(|_| format!("`{digits}` is not a valid decimal number (or too large)"))?;
    let len = (128 - value.leading_zeros()).max(1) as usize;
    Ok((0..len)
        .map(|k| if value >> k & 1 == 1 { LiteralBit::One } else { LiteralBit::Zero })
        .collect())
}

/// Truncates or extends to `width` bits. Extension repeats a leading x or z digit, otherwise
/// fills with zeros (all literals here are treated as unsigned).
fn fit(mut bits: Vec<LiteralBit>, width: usize, extend_xz: bool) -> Vec<LiteralBit> {
    let fill = match bits.last() {
        Some(&b @ (LiteralBit::X | LiteralBit::Z)) if extend_xz => b,
        _ => LiteralBit::Zero,
    };
    bits.resize(width, fill);
    bits
}
