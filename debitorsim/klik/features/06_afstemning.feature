# language: da
Egenskab: Afstemning
  KLIK-trin 5: kommunen afstemmer FBS' åbne gebyrer mod debitorsystemets fordringer. En ren
  kørsel giver ingen forskelle; en forskel bliver fundet og klassificeret. Begge kræver et
  debitorsystem uden andre data end scenariets (simulatoren nulstilles før hvert scenarie).

  @kontrol
  Abstrakt Scenario: En ren kørsel giver nul forskelle
    Givet en kommune med debitorsystemet "<system>"
    Og en låner med CPR-nummer
    Når biblioteket opretter et gebyr for sen aflevering på 30,00 kr
    Og biblioteket opretter et skriftligt anerkendt erstatningskrav på 125,50 kr
    Og biblioteket nedskriver gebyret med 10,00 kr
    Og integrationen har leveret sine beskeder
    Og kommunen afstemmer FBS mod debitorsystemet
    Så finder afstemningen 0 forskelle
    Og 2 fordringer stemmer

    @opus
    Eksempler: KMD Opus
      | system |
      | opus   |

    @prisme2015
    Eksempler: Fujitsu Prisme 2015
      | system     |
      | prisme2015 |

    @prisme2009
    Eksempler: Fujitsu Prisme 2009
      | system     |
      | prisme2009 |

    @eg
    Eksempler: EG ØS Indsigt
      | system |
      | eg     |

  @kontrol @tid
  Abstrakt Scenario: En indsprøjtet forskel bliver fundet
    Givet en kommune med debitorsystemet "<system>"
    Og en låner med CPR-nummer
    Og et gebyr på 100,00 kr er overdraget til debitorsystemet
    Og debitorsystemet har bogført en indbetaling på 40,00 kr på gebyret, som FBS endnu ikke har fået
    Og en fordring på 300,00 kr er oprettet direkte i debitorsystemet uden skyldnerens navn
    Når kommunen afstemmer FBS mod debitorsystemet
    Så finder afstemningen forskellen "Beløb afviger" på gebyret
    Og finder afstemningen forskellen "Mangler i FBS" på den direkte fordring
    Og finder afstemningen 2 forskelle

    @opus
    Eksempler: KMD Opus
      | system |
      | opus   |

    @prisme2015
    Eksempler: Fujitsu Prisme 2015
      | system     |
      | prisme2015 |

    @prisme2009
    Eksempler: Fujitsu Prisme 2009
      | system     |
      | prisme2009 |

    @eg
    Eksempler: EG ØS Indsigt
      | system |
      | eg     |
