// Product families for a catalogue whose substitutes make sense: each family is a list of products that do
// the same job, so a family's members substitute for one another and nothing outside it does. The first
// member of each family is the one a short SKU takes (the common product; the others are what a buyer would
// accept instead). Prices in the data set's currency, per unit; pack size in units per pack.

export interface CatalogueProduct {
  description: string;
  packSize: number;
  unitPrice: number;
}

export interface ProductFamily {
  family: string;
  products: readonly CatalogueProduct[];
}

export const PRODUCT_FAMILIES: readonly ProductFamily[] = [
  {
    family: 'examination gloves',
    products: [
      { description: 'nitrile examination gloves, size M, powder-free, box of 100', packSize: 10, unitPrice: 8.9 },
      { description: 'nitrile examination gloves, size M, powder-free, extra-thick, box of 100', packSize: 10, unitPrice: 11.4 },
      { description: 'vinyl examination gloves, size M, powder-free, box of 100', packSize: 10, unitPrice: 6.2 },
    ],
  },
  {
    family: 'ball bearings 6205',
    products: [
      { description: 'deep-groove ball bearing 6205-2RS, sealed', packSize: 1, unitPrice: 7.6 },
      { description: 'deep-groove ball bearing 6205-2RS C3, sealed, extra clearance', packSize: 1, unitPrice: 9.1 },
      { description: 'deep-groove ball bearing 6205-ZZ, shielded', packSize: 1, unitPrice: 6.8 },
    ],
  },
  {
    family: 'hydraulic hose 1/2"',
    products: [
      { description: 'hydraulic hose 1/2", 2-wire braid, 1 m with fittings', packSize: 6, unitPrice: 24.5 },
      { description: 'hydraulic hose 1/2", 4-spiral, 1 m with fittings', packSize: 6, unitPrice: 33.9 },
      { description: 'hydraulic hose 1/2", 2-wire braid compact, 1 m with fittings', packSize: 6, unitPrice: 27.2 },
    ],
  },
  {
    family: 'safety goggles',
    products: [
      { description: 'safety goggles, anti-fog, clear lens', packSize: 12, unitPrice: 14.5 },
      { description: 'safety goggles, anti-fog, clear lens, over-spectacle', packSize: 12, unitPrice: 17.8 },
      { description: 'safety spectacles, wraparound, anti-fog, clear lens', packSize: 12, unitPrice: 9.6 },
    ],
  },
  {
    family: 'hex bolts M10x50',
    products: [
      { description: 'hex bolt M10x50, grade 8.8, zinc-plated, box of 50', packSize: 1, unitPrice: 12.3 },
      { description: 'hex bolt M10x50, grade 8.8, hot-dip galvanised, box of 50', packSize: 1, unitPrice: 15.1 },
      { description: 'hex bolt M10x50, grade 10.9, zinc-flake coated, box of 50', packSize: 1, unitPrice: 18.4 },
    ],
  },
  {
    family: 'cable ties 300 mm',
    products: [
      { description: 'cable ties 300 x 4.8 mm, black, UV-resistant, bag of 100', packSize: 24, unitPrice: 4.2 },
      { description: 'cable ties 300 x 4.8 mm, natural, bag of 100', packSize: 24, unitPrice: 3.6 },
      { description: 'cable ties 300 x 7.6 mm, black, heavy-duty, bag of 100', packSize: 24, unitPrice: 6.9 },
    ],
  },
  {
    family: 'hydraulic filter cartridges',
    products: [
      { description: 'hydraulic return filter cartridge, 10 micron, glass fibre', packSize: 1, unitPrice: 38.0 },
      { description: 'hydraulic return filter cartridge, 10 micron, glass fibre (alternative maker)', packSize: 1, unitPrice: 35.5 },
      { description: 'hydraulic return filter cartridge, 5 micron, glass fibre', packSize: 1, unitPrice: 44.7 },
    ],
  },
  {
    family: 'ball valves 1"',
    products: [
      { description: 'ball valve 1", brass, full bore, PN25', packSize: 1, unitPrice: 21.9 },
      { description: 'ball valve 1", stainless steel, full bore, PN63', packSize: 1, unitPrice: 46.3 },
      { description: 'ball valve 1", brass, full bore, PN25 (alternative maker)', packSize: 1, unitPrice: 19.8 },
    ],
  },
];
