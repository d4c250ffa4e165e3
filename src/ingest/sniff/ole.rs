//! A strict reader of OLE compound files that mirrors how calamine (`src/cfb.rs`) follows
//! sector chains, but refuses a chain that loops (calamine would follow it until memory runs
//! out) and a FAT that lists a sector twice.

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const DIFSECT: u32 = 0xFFFF_FFFC;
const RESERVED: u32 = 0xFFFF_FFFA;

pub struct Ole<'a> {
    bytes: &'a [u8],
    sector: usize,
    maxid: u32,
    fat: Vec<u32>,
    minifat: Vec<u32>,
    ministream: Vec<u8>,
    dirs: Vec<(String, u32, u64)>,
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

fn u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

impl<'a> Ole<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Ole<'a>, String> {
        if bytes.len() < 512 {
            return Err("the OLE header is cut short".into());
        }
        let sector = match u16_at(bytes, 30) {
            9 => 512,
            12 => 4096,
            s => return Err(format!("OLE sector shift {s} is neither 9 nor 12")),
        };
        if u16_at(bytes, 32) != 6 {
            return Err("OLE mini sector shift is not 6".into());
        }
        if bytes.len() < sector {
            return Err("the OLE header is cut short".into());
        }
        let version = u16_at(bytes, 26);
        let maxid = u32::try_from(bytes.len() / sector).unwrap_or(u32::MAX);
        let mut ole = Ole {
            bytes,
            sector,
            maxid,
            fat: Vec::new(),
            minifat: Vec::new(),
            ministream: Vec::new(),
            dirs: Vec::new(),
        };
        // DIFAT: 109 entries in the header, then a chain whose sectors end in a pointer.
        let mut difat: Vec<u32> = u32s(&bytes[76..512]).collect();
        let mut next = u32_at(bytes, 68);
        let mut hops = 0u64;
        while next < RESERVED {
            hops += 1;
            if hops > u64::from(maxid) + 1 {
                return Err("the OLE DIFAT chain loops".into());
            }
            difat.extend(u32s(ole.sector_bytes(next)?));
            next = difat.pop().ok_or("the OLE DIFAT chain is empty")?;
        }
        let fat_sectors: Vec<u32> = difat.into_iter().filter(|id| *id < DIFSECT).collect();
        let mut seen = std::collections::HashSet::new();
        if fat_sectors.len() as u64 > u64::from(maxid) + 1
            || !fat_sectors.iter().all(|id| seen.insert(*id))
        {
            return Err("the OLE FAT lists sectors more than once".into());
        }
        for id in fat_sectors {
            let s = ole.sector_bytes(id)?;
            ole.fat.extend(u32s(s));
        }
        let dirs = ole.chain(u32_at(bytes, 48), &ole.fat.clone(), u64::MAX, false)?;
        for d in dirs.chunks_exact(128) {
            let units: Vec<u16> = d[..64]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            let mut name = String::from_utf16_lossy(&units);
            if let Some(l) = name.find('\0') {
                name.truncate(l);
            }
            let start = u32_at(d, 116);
            let len = if sector == 512 {
                u64::from(u32_at(d, 120))
            } else {
                u64::from_le_bytes(d[120..128].try_into().unwrap_or([0; 8]))
            };
            ole.dirs.push((name, start, len));
        }
        if ole.dirs.is_empty() || (version != 3 && ole.dirs[0].1 == ENDOFCHAIN) {
            return Err("the OLE root directory is empty".into());
        }
        let minifat_len = u64::from(u32_at(bytes, 64));
        if minifat_len > 0 {
            let (_, root_start, root_len) = ole.dirs[0].clone();
            let fat = ole.fat.clone();
            ole.ministream = ole.chain(root_start, &fat, root_len, false)?;
            let mf = ole.chain(
                u32_at(bytes, 60),
                &fat,
                minifat_len.saturating_mul(sector as u64),
                false,
            )?;
            ole.minifat = u32s(&mf).collect();
        }
        Ok(ole)
    }

    /// Sector `id` (file offset `(id + 1) × size`), short at the end of the file.
    fn sector_bytes(&self, id: u32) -> Result<&'a [u8], String> {
        if id > self.maxid {
            return Err(format!("OLE sector {id} points past the end of the file"));
        }
        let start = (id as usize + 1) * self.sector;
        if start > self.bytes.len() {
            return Err(format!("OLE sector {id} points past the end of the file"));
        }
        Ok(&self.bytes[start..(start + self.sector).min(self.bytes.len())])
    }

    /// Follows a chain as calamine does, up to `len` bytes; a sector met twice is a loop.
    fn chain(&self, mut id: u32, fat: &[u32], len: u64, mini: bool) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        while id != ENDOFCHAIN {
            if !seen.insert(id) {
                return Err("an OLE sector chain loops".into());
            }
            let data: &[u8] = if mini {
                let start = id as usize * 64;
                if u64::from(id) > u64::from(self.maxid) * 8 || start + 64 > self.ministream.len() {
                    return Err(format!("OLE mini sector {id} points past the mini stream"));
                }
                &self.ministream[start..start + 64]
            } else {
                self.sector_bytes(id)?
            };
            let take = (data.len() as u64).min(len - out.len() as u64) as usize;
            out.extend_from_slice(&data[..take]);
            if out.len() as u64 >= len {
                break;
            }
            id = *fat
                .get(id as usize)
                .ok_or_else(|| format!("OLE sector {id} is not in the allocation table"))?;
        }
        Ok(out)
    }

    pub fn has(&self, name: &str) -> bool {
        self.dirs.iter().any(|(n, ..)| n.eq_ignore_ascii_case(name))
    }

    /// A stream by name (the first of that name, any case), as calamine reads it.
    pub fn stream(&self, name: &str) -> Option<Result<Vec<u8>, String>> {
        let (_, start, len) = self
            .dirs
            .iter()
            .find(|(n, ..)| n.eq_ignore_ascii_case(name))?;
        Some(if *len < 4096 {
            self.chain(*start, &self.minifat, *len, true)
        } else {
            self.chain(*start, &self.fat, *len, false)
        })
    }
}
