"""Hand-written training facts (natural sciences and engineering) for data/xling_train: see README.md there.
Invented results; not translations of any dataset."""

FACTS = [
    # 1 astronomy
    ("en", "A five-year transit survey with the Sutherland telescope array found that 14% of observed red dwarfs host at least one Earth-sized planet.", "number", [
        ("en", "According to the five-year Sutherland transit survey, fourteen percent of the red dwarfs it monitored have one or more Earth-sized planets."),
        ("sw", "Utafiti wa miaka mitano uliotumia darubini za Sutherland ulichunguza nyota kibete nyekundu 2,300 na kugundua kuwa asilimia 14 ya nyota hizo zina angalau sayari moja yenye ukubwa wa Dunia."),
        ("en", "The Sutherland survey found Earth-sized planets around only 4% of the red dwarfs it observed over five years."),
        ("fr", "Sur cinq ans d'observations, le réseau de télescopes de Sutherland a détecté des planètes de taille terrestre autour de 31 % des naines rouges suivies."),
        ("en", "The Sutherland transit survey observed each red dwarf for at least 60 nights and used a detection threshold of 7.1 sigma."),
        ("de", "Die Sutherland-Durchmusterung stellte fest, dass die meisten entdeckten Planeten ihre roten Zwergsterne in weniger als zehn Tagen umkreisen."),
    ]),
    # 2 geology
    ("en", "Along the Karoo fault segment, microseismic activity increased after the start of deep groundwater pumping in 2018.", "direction", [
        ("en", "Once deep groundwater extraction began in 2018, the Karoo fault segment recorded more frequent microearthquakes than before."),
        ("sw", "Vituo vya kupima mitetemeko kando ya sehemu ya ufa wa Karoo vilirekodi ongezeko la matetemeko madogo baada ya kuanza kwa usukumaji wa maji ya chini ya ardhi mwaka 2018."),
        ("en", "Microseismic activity on the Karoo fault segment declined after deep groundwater pumping started in 2018."),
        ("es", "Tras el inicio del bombeo de aguas subterráneas profundas en 2018, los sismos pequeños en el tramo de la falla del Karoo se volvieron menos frecuentes."),
        ("en", "The deep wells near the Karoo fault segment draw water from an aquifer lying between 400 and 900 metres below the surface."),
        ("fr", "Le réseau sismique installé le long du segment de faille du Karoo comptait douze stations au début du pompage en 2018."),
    ]),
    # 3 soil science
    ("en", "Adding biochar at 10 tonnes per hectare reduced nitrate leaching from sandy soils in the Limpopo lysimeter experiment.", "negation", [
        ("en", "In the Limpopo lysimeter experiment, sandy soils amended with 10 t/ha of biochar lost less nitrate through leaching."),
        ("de", "Im Lysimeterversuch in Limpopo wurde aus sandigen Böden nach Zugabe von zehn Tonnen Pflanzenkohle pro Hektar weniger Nitrat ausgewaschen."),
        ("en", "Biochar applied at 10 tonnes per hectare did not change nitrate leaching from the sandy soils in the Limpopo lysimeter experiment."),
        ("sw", "Katika jaribio la lisimita la Limpopo, kuongeza biochar tani 10 kwa hekta hakukupunguza upotevu wa nitrati kutoka kwenye udongo wa mchanga."),
        ("en", "The biochar used in the Limpopo lysimeter experiment was produced from macadamia shells pyrolysed at 550 °C."),
        ("sw", "Lisimita za jaribio la Limpopo zilijazwa udongo wa mchanga wenye chini ya asilimia moja ya kaboni ya kikaboni."),
    ]),
    # 4 hydrology
    ("en", "Across the 240 wells of the Tana basin monitoring network, groundwater levels fell by an average of 0.6 metres per year between 2010 and 2020.", "number", [
        ("en", "Between 2010 and 2020 the water table in the Tana basin network's 240 wells dropped by 60 centimetres a year on average."),
        ("sw", "Kati ya mwaka 2010 na 2020, kiwango cha maji ya chini ya ardhi katika bonde la Tana kilishuka kwa wastani wa mita 0.6 kila mwaka."),
        ("en", "Groundwater in the Tana basin monitoring wells declined by an average of 1.8 metres per year from 2010 to 2020."),
        ("de", "Im Tana-Becken sank der Grundwasserspiegel zwischen 2010 und 2020 im Mittel um 1,8 Meter pro Jahr, gemessen an 240 Brunnen."),
        ("en", "Most of the 240 wells in the Tana basin monitoring network are located within five kilometres of irrigated farmland."),
        ("fr", "Dans le bassin de la Tana, les niveaux piézométriques des 240 puits ont été relevés une fois par mois entre 2010 et 2020."),
    ]),
    # 5 oceanography
    ("en", "Dissolved oxygen at 200 metres depth off the Benguela coast declined between 2005 and 2022, according to the mooring records.", "direction", [
        ("en", "Mooring records off the Benguela coast show that oxygen concentrations at a depth of 200 metres fell from 2005 to 2022."),
        ("sw", "Kulingana na vipimo vya kituo cha baharini karibu na pwani ya Benguela, kiasi cha oksijeni katika kina cha mita 200 kilipungua tangu 2005 hadi 2022."),
        ("en", "Between 2005 and 2022, the Benguela moorings recorded rising dissolved oxygen levels at 200 metres depth."),
        ("fr", "Au large de la côte de Benguela, la teneur en oxygène dissous à 200 mètres de profondeur a augmenté de 2005 à 2022."),
        ("en", "The Benguela mooring also measured water temperature at 200 metres, sampling every thirty minutes from 2005 to 2022."),
        ("es", "Los anclajes frente a la costa de Benguela se revisaban cada seis meses para limpiar los sensores de oxígeno disuelto."),
    ]),
    # 6 energy engineering
    ("en", "Coating the photovoltaic panels with a hydrophobic film improved their energy yield during the dusty season at the Atacama test site.", "negation", [
        ("en", "At the Atacama test site, panels treated with a water-repellent film generated more electricity in the dusty season than uncoated ones."),
        ("es", "En la planta de pruebas de Atacama, los módulos solares con recubrimiento hidrofóbico produjeron más energía durante la temporada de polvo."),
        ("en", "The hydrophobic film produced no gain in energy yield for the Atacama test panels during the dusty season."),
        ("sw", "Katika kituo cha majaribio cha Atacama, paneli za jua zilizopakwa filamu inayozuia maji hazikuzalisha nishati zaidi wakati wa msimu wa vumbi."),
        ("en", "The photovoltaic panels at the Atacama test site were cleaned by hand once a fortnight during the dusty season."),
        ("de", "Die hydrophobe Beschichtung der Module am Testfeld in der Atacama muss nach Angaben des Herstellers alle zwei Jahre erneuert werden."),
    ]),
    # 7 transport engineering
    ("en", "Replacing the signalled junction with a roundabout cut average vehicle delay at the Mombasa Road site to 18 seconds.", "number", [
        ("en", "After a roundabout replaced the traffic signals on Mombasa Road, the mean delay per vehicle fell to eighteen seconds."),
        ("sw", "Baada ya taa za barabarani kuondolewa na mzunguko kujengwa kwenye makutano ya Barabara ya Mombasa, ucheleweshaji wa wastani wa kila gari ulikuwa sekunde 18."),
        ("en", "Average vehicle delay at the Mombasa Road junction stood at 42 seconds after the roundabout was built."),
        ("fr", "Au carrefour de Mombasa Road, le retard moyen par véhicule atteignait encore 42 secondes une fois le giratoire mis en service."),
        ("en", "The Mombasa Road roundabout has two circulating lanes and an inscribed diameter of 45 metres."),
        ("sw", "Kabla ya mzunguko kujengwa, makutano ya Barabara ya Mombasa yalipitiwa na magari takriban 3,200 kwa saa wakati wa msongamano."),
    ]),
    # 8 chemistry
    ("en", "Raising the reaction temperature from 60 to 90 °C lowered the selectivity of the copper catalyst towards methanol in the CO2 hydrogenation tests.", "direction", [
        ("en", "In the CO2 hydrogenation tests, the copper catalyst became less selective for methanol when the temperature went up from 60 to 90 °C."),
        ("de", "Bei der Hydrierung von CO2 sank die Methanolselektivität des Kupferkatalysators, sobald die Temperatur von 60 auf 90 °C erhöht wurde."),
        ("en", "The copper catalyst's selectivity towards methanol rose as the CO2 hydrogenation temperature was increased from 60 to 90 °C."),
        ("es", "En los ensayos de hidrogenación de CO2, el catalizador de cobre se volvió más selectivo hacia el metanol al pasar de 60 a 90 °C."),
        ("en", "The copper catalyst in the CO2 hydrogenation tests was supported on zinc oxide and reduced in hydrogen before each run."),
        ("sw", "Kwa majaribio ya kubadilisha CO2 kuwa methanoli kwa kutumia hidrojeni, kichocheo cha shaba kilifanya kazi chini ya shinikizo la bar 30."),
    ]),
    # 9 agriculture
    ("en", "Intercropping sorghum with cowpea increased total land productivity compared with sole sorghum in the three-year Sahel field trial.", "negation", [
        ("en", "Over three years in the Sahel, sorghum grown together with cowpea produced more per unit of land than sorghum grown alone."),
        ("fr", "Dans l'essai de trois ans au Sahel, l'association sorgho-niébé a donné une productivité totale par hectare supérieure à celle du sorgho en culture pure."),
        ("en", "In the three-year Sahel field trial, sorghum-cowpea intercrops were no more productive per unit of land than sole sorghum."),
        ("sw", "Katika jaribio la miaka mitatu huko Sahel, kupanda mtama pamoja na kunde hakukuongeza tija ya ardhi ikilinganishwa na mtama pekee."),
        ("en", "The Sahel intercropping trial sowed cowpea two weeks after sorghum, in alternate rows spaced 75 centimetres apart."),
        ("de", "Im dreijährigen Feldversuch in der Sahelzone fielen in zwei der drei Jahre weniger als 400 Millimeter Regen."),
    ]),
    # 10 agriculture (cassava)
    ("sw", "Mbegu mpya ya muhogo inayostahimili ugonjwa wa batobato ilitoa tani 24 kwa hekta katika majaribio ya shambani mkoani Mtwara.", "number", [
        ("sw", "Katika majaribio yaliyofanywa mashambani Mtwara, aina mpya ya muhogo isiyoshambuliwa kwa urahisi na batobato ilizalisha tani 24 kila hekta."),
        ("en", "Field trials in Mtwara region found that the new mosaic-resistant cassava variety yielded 24 tonnes of roots per hectare."),
        ("sw", "Aina mpya ya muhogo inayostahimili batobato ilitoa mavuno ya tani 11 tu kwa hekta katika mashamba ya majaribio ya Mtwara."),
        ("de", "In den Feldversuchen in Mtwara lieferte die neue, gegen das Mosaikvirus resistente Maniok-Sorte nur 11 Tonnen pro Hektar."),
        ("sw", "Mbegu mpya ya muhogo ilipandwa katika mashamba 12 ya wakulima mkoani Mtwara wakati wa msimu wa mvua wa 2021."),
        ("fr", "Dans les essais de Mtwara, la nouvelle variété de manioc résistante à la mosaïque a été récoltée douze mois après la plantation."),
    ]),
    # 11 hydrology (lake levels)
    ("sw", "Kiwango cha maji cha Ziwa Viktoria kilipanda kati ya mwaka 2019 na 2021 kutokana na mvua nyingi zisizo za kawaida.", "direction", [
        ("sw", "Mvua kubwa isiyo ya kawaida ilisababisha maji ya Ziwa Viktoria kuongezeka katika kipindi cha kuanzia 2019 hadi 2021."),
        ("en", "Gauge readings at Jinja show that Lake Victoria rose between 2019 and 2021, a rise the study attributes to unusually heavy rainfall."),
        ("sw", "Kati ya mwaka 2019 na 2021, kiwango cha maji cha Ziwa Viktoria kilishuka licha ya mvua nyingi zilizonyesha."),
        ("fr", "Selon les relevés de Jinja, le niveau du lac Victoria a baissé entre 2019 et 2021 malgré des pluies abondantes."),
        ("sw", "Utafiti wa Ziwa Viktoria ulitumia vipimo vya kila siku vya kiwango cha maji kutoka vituo vitano vya Uganda, Kenya na Tanzania."),
        ("es", "El estudio sobre el lago Victoria también estimó que la evaporación anual del lago ronda los 1.500 milímetros."),
    ]),
    # 12 energy (mini-grids)
    ("sw", "Kuweka betri za lithiamu katika gridi ndogo za jua za vijijini Kilifi kulipunguza idadi ya saa za kukatika kwa umeme kila mwezi.", "negation", [
        ("sw", "Baada ya gridi ndogo za jua za vijiji vya Kilifi kuwekewa betri za lithiamu, umeme ulikatika kwa saa chache kuliko awali kila mwezi."),
        ("en", "Across the rural solar mini-grids studied in Kilifi, adding lithium batteries reduced the monthly hours without power."),
        ("sw", "Betri za lithiamu zilizowekwa katika gridi ndogo za jua za Kilifi hazikupunguza saa za kukatika kwa umeme kwa mwezi."),
        ("de", "In den ländlichen Solar-Inselnetzen von Kilifi blieb die monatliche Dauer der Stromausfälle nach dem Einbau von Lithiumbatterien unverändert."),
        ("sw", "Gridi ndogo za jua zilizochunguzwa Kilifi zinahudumia kati ya kaya 80 na 250 kila moja."),
        ("en", "The lithium batteries installed in the Kilifi mini-grids cost 40% more per kilowatt-hour than the lead-acid units they replaced."),
    ]),
    # 13 chemistry (electrocatalysis)
    ("de", "Der neue Nickel-Eisen-Katalysator erreichte bei der alkalischen Wasserelektrolyse eine Überspannung von nur 240 Millivolt bei 10 Milliampere pro Quadratzentimeter.", "number", [
        ("de", "Bei einer Stromdichte von 10 mA/cm² benötigte der Nickel-Eisen-Katalysator in alkalischer Elektrolyse lediglich 240 mV Überspannung."),
        ("fr", "Pour l'électrolyse alcaline de l'eau, le nouveau catalyseur nickel-fer n'a exigé qu'une surtension de 240 mV à 10 mA par centimètre carré."),
        ("de", "Der Nickel-Eisen-Katalysator benötigte in der alkalischen Elektrolyse eine Überspannung von 410 Millivolt, um 10 mA/cm² zu erreichen."),
        ("en", "The nickel-iron catalyst reached 10 mA per square centimetre in alkaline electrolysis only at an overpotential of 410 mV."),
        ("de", "Der Nickel-Eisen-Katalysator wurde in einmolarer Kalilauge über 100 Stunden bei konstanter Stromdichte getestet."),
        ("sw", "Kwa majaribio ya kuchanganua maji kwa umeme, kichocheo kipya cha nikeli na chuma kilitengenezwa kwa kuweka tabaka nyembamba juu ya povu la nikeli."),
    ]),
    # 14 transport (rail)
    ("de", "Nach der Einführung des Halbstundentakts auf der Strecke Leipzig–Chemnitz stieg die Zahl der Fahrgäste an Werktagen deutlich an.", "direction", [
        ("de", "Seit auf der Linie zwischen Leipzig und Chemnitz alle 30 Minuten ein Zug fährt, nutzen werktags spürbar mehr Menschen die Bahn."),
        ("sw", "Baada ya treni kuanza kusafiri kila nusu saa kati ya Leipzig na Chemnitz, idadi ya abiria siku za kazi iliongezeka kwa kiasi kikubwa."),
        ("de", "Auf der Strecke Leipzig–Chemnitz ging die werktägliche Fahrgastzahl nach der Umstellung auf den Halbstundentakt zurück."),
        ("en", "Weekday ridership on the Leipzig–Chemnitz line fell after trains began running every half hour."),
        ("de", "Für den Halbstundentakt zwischen Leipzig und Chemnitz wurden zusätzliche Triebwagen mit je 160 Sitzplätzen beschafft."),
        ("es", "Con el paso a un tren cada media hora entre Leipzig y Chemnitz, el trayecto completo sigue durando unos 65 minutos."),
    ]),
    # 15 geology (landslides)
    ("de", "Die Aufforstung der Hänge im Rwenzori-Vorland verringerte die Zahl der Hangrutschungen in den zehn Jahren nach der Pflanzung.", "negation", [
        ("de", "Im Rwenzori-Vorland kam es an wieder bewaldeten Hängen im Jahrzehnt nach der Pflanzung zu weniger Rutschungen."),
        ("sw", "Katika miaka kumi baada ya miti kupandwa kwenye miteremko ya vilima vya Rwenzori, maporomoko ya ardhi yalipungua."),
        ("de", "Die Aufforstung im Rwenzori-Vorland hatte in den ersten zehn Jahren keinen Einfluss auf die Häufigkeit von Hangrutschungen."),
        ("fr", "Au pied du Rwenzori, le reboisement des versants n'a pas fait baisser le nombre de glissements de terrain au cours de la décennie suivante."),
        ("de", "Für die Aufforstung im Rwenzori-Vorland wurden überwiegend einheimische Baumarten wie Markhamia und Prunus africana verwendet."),
        ("sw", "Miteremko iliyopandwa miti katika vilima vya Rwenzori ina mwinuko wa kati ya nyuzi 25 na 40."),
    ]),
    # 16 oceanography
    ("fr", "Dans le canal du Mozambique, la température de surface de la mer a augmenté de 0,8 °C entre 1990 et 2020 selon les relevés satellitaires.", "number", [
        ("fr", "Les données satellitaires montrent un réchauffement de huit dixièmes de degré de la surface de la mer dans le canal du Mozambique de 1990 à 2020."),
        ("sw", "Kwa mujibu wa vipimo vya setilaiti, joto la uso wa bahari katika Mfereji wa Msumbiji lilipanda kwa nyuzi 0.8 za Selsiasi kati ya 1990 na 2020."),
        ("fr", "Entre 1990 et 2020, la surface de la mer dans le canal du Mozambique s'est réchauffée de 2,1 °C d'après les satellites."),
        ("en", "Satellite records indicate that sea surface temperatures in the Mozambique Channel rose by 2.1 °C from 1990 to 2020."),
        ("fr", "L'étude sur le canal du Mozambique a combiné trois produits satellitaires de température de surface à une résolution de quatre kilomètres."),
        ("es", "En el canal de Mozambique, los satélites también registraron una disminución de la clorofila superficial durante el mismo periodo."),
    ]),
    # 17 astronomy
    ("fr", "Selon les mesures de l'observatoire de Saint-Véran, la comète C/2021 K9 est devenue plus brillante à mesure qu'elle s'éloignait du Soleil.", "direction", [
        ("fr", "Les observations de Saint-Véran indiquent que l'éclat de la comète C/2021 K9 a augmenté pendant qu'elle s'éloignait du Soleil."),
        ("en", "Photometry from the Saint-Véran observatory showed comet C/2021 K9 brightening even as its distance from the Sun increased."),
        ("fr", "D'après Saint-Véran, la comète C/2021 K9 a perdu de son éclat au fur et à mesure qu'elle s'éloignait du Soleil."),
        ("sw", "Vipimo vya kituo cha uchunguzi wa anga cha Saint-Véran vilionyesha kwamba nyotamkia C/2021 K9 ilizidi kufifia kadiri ilivyokuwa ikienda mbali na Jua."),
        ("fr", "La comète C/2021 K9 a été suivie à Saint-Véran avec un télescope de 62 centimètres pendant quarante nuits."),
        ("sw", "Kituo cha Saint-Véran kilikadiria kwamba kiini cha nyotamkia C/2021 K9 kina upana wa takriban kilomita tano."),
    ]),
    # 18 soil science
    ("fr", "Le non-labour pratiqué pendant huit ans a augmenté le stock de carbone organique dans les 30 premiers centimètres du sol à la station de la Beauce.", "negation", [
        ("fr", "Après huit années sans labour à la station de la Beauce, les 30 premiers centimètres du sol contenaient davantage de carbone organique."),
        ("es", "En la estación experimental de Beauce, ocho años de siembra directa elevaron el carbono orgánico almacenado en los primeros 30 centímetros de suelo."),
        ("fr", "À la station de la Beauce, huit ans de non-labour n'ont pas modifié le stock de carbone organique des 30 premiers centimètres."),
        ("sw", "Katika kituo cha majaribio cha Beauce, kutolima kwa miaka minane hakukuongeza kaboni ya kikaboni katika sentimita 30 za juu za udongo."),
        ("fr", "À la station de la Beauce, les parcelles en non-labour ont été semées en rotation blé, colza et orge pendant les huit ans."),
        ("en", "At the Beauce station, the no-till plots also showed more earthworm burrows than the ploughed plots after eight years."),
    ]),
    # 19 energy (wind)
    ("es", "Los aerogeneradores del parque eólico de La Guajira alcanzaron un factor de capacidad medio del 42 % durante 2022.", "number", [
        ("es", "En 2022, el parque eólico de La Guajira operó con un factor de capacidad promedio del cuarenta y dos por ciento."),
        ("sw", "Mwaka 2022, mitambo ya upepo ya La Guajira nchini Kolombia ilifanya kazi kwa wastani wa asilimia 42 ya uwezo kamili wa mitambo hiyo."),
        ("es", "El factor de capacidad medio de los aerogeneradores de La Guajira fue del 27 % en 2022."),
        ("de", "Im Windpark La Guajira kamen die Anlagen 2022 im Mittel nur auf einen Kapazitätsfaktor von 27 Prozent."),
        ("es", "El parque eólico de La Guajira cuenta con 60 aerogeneradores de 3,5 megavatios instalados a lo largo de la costa."),
        ("sw", "Katika mwaka 2022, mitambo ya upepo ya La Guajira ilisimamishwa kwa siku 19 kwa ajili ya matengenezo."),
    ]),
    # 20 agriculture / irrigation
    ("es", "El riego por goteo subterráneo redujo el consumo de agua del olivar en comparación con el riego por goteo superficial en el ensayo de Jaén.", "direction", [
        ("es", "En el ensayo de Jaén, los olivos regados con goteo enterrado necesitaron menos agua que los regados con goteo en superficie."),
        ("en", "In the Jaén olive trial, subsurface drip irrigation used less water than surface drip lines across the 48 monitored plots."),
        ("es", "El ensayo de Jaén mostró que el goteo subterráneo consumió más agua en el olivar que el goteo superficial."),
        ("sw", "Katika jaribio la mizeituni la Jaén, umwagiliaji wa matone chini ya ardhi ulitumia maji mengi zaidi kuliko umwagiliaji wa matone juu ya ardhi."),
        ("es", "En el ensayo de Jaén, las tuberías de goteo subterráneo se enterraron a 35 centímetros de profundidad junto a cada hilera de olivos."),
        ("fr", "Dans l'essai de Jaén, la teneur en huile des olives a été mesurée séparément pour chaque système d'irrigation."),
    ]),
]
