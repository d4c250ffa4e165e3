//! Identity numbers (证照号码) and their check characters: 统一社会信用代码 (GB 32100-2015) and
//! 居民身份证号 (GB 11643-1999). Pure functions; normalising uses them to refuse a mistyped
//! payee, the sample generator to make valid codes.

/// GB 32100-2015: the 18th character of a 统一社会信用代码 is a check character over the first 17.
pub fn credit_code_valid(code: &str) -> bool {
    let mut chars = code.chars();
    let first17: String = chars.by_ref().take(17).collect();
    match (chars.next(), chars.next()) {
        (Some(last), None) if first17.chars().count() == 17 => {
            credit_code_check_char(&first17) == Some(last)
        }
        _ => false,
    }
}

/// GB 11643-1999: the 18th character of a 居民身份证号 is a check character (MOD 11-2), so an
/// individual payee (人才补贴、个人奖励) is identified as reliably as an enterprise.
pub fn resident_id_valid(id: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let b = id.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize] == b[17].to_ascii_uppercase()
}

/// A payee's identifier: a 统一社会信用代码 (enterprises, parks, banks, institutions) or a
/// 居民身份证号 (individuals).
pub fn payee_id_valid(code: &str) -> bool {
    credit_code_valid(code) || resident_id_valid(code)
}

/// The check character that completes the first 17 characters of a credit code, or `None`
/// when one of them is outside the code's alphabet (no I, O, S, V, Z).
pub fn credit_code_check_char(first17: &str) -> Option<char> {
    const CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let mut sum = 0;
    for (i, c) in first17.chars().enumerate().take(17) {
        sum += CHARS.find(c)? as u32 * WEIGHTS[i];
    }
    CHARS.chars().nth(((31 - sum % 31) % 31) as usize)
}
